using System.Text.Json.Serialization;

namespace Stitching.Domain.Datasets;

/// <summary>
/// <c>dataset.json</c> of an image-folder dataset, written by <c>datasets prepare</c> beside its <c>train.bin</c> and
/// <c>test.bin</c> and uploaded with them: the class names (label k is ClassNames[k], the class folders in ordinal order),
/// the channels found in the images (1 for grayscale, 3 for colour), the counts of each split and the per-channel
/// mean/std of the training images in [0, 1]. The statistics are fixed at preparation, not measured per run, so models
/// trained on different subsets see the same input mapping and can be stitched to each other.
/// </summary>
public sealed record ImageFolderManifest(
    string Name, IReadOnlyList<string> ClassNames, int Channels, int ImageSize, int TrainImages, int TestImages,
    IReadOnlyList<float> Mean, IReadOnlyList<float> Std)
{
    [JsonIgnore] // derived: the file holds only what prepare measured
    public DatasetInfo Info => new(Name, ClassNames.Count, Channels, TrainImages, TestImages);
}
