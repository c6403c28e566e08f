using System.Text.Json.Serialization;

namespace Stitching.Domain.Datasets;

/// <summary>
/// What a plan needs to know of a dataset before anything is loaded: its class count (the models' heads, chance level, the
/// near-chance rule), its image channels (the stem) and its split sizes (estimates of sweeps without limits). Known here for
/// the built-in datasets; an image-folder dataset's comes from the manifest <c>datasets prepare</c> wrote
/// (<see cref="ImageFolderManifest.Info"/>), read by whoever has it: the CLI from its data folder, the API from blob storage.
/// </summary>
public sealed record DatasetInfo(string Name, int Classes, int Channels, long TrainImages, long TestImages)
{
    /// <summary>
    /// The side every image is fed to the models at (Fashion-MNIST padded, image folders resized): the CIFAR-style ResNet's
    /// stages run at 32/16/8/4, and the layer catalogue, stitch shapes and FLOP counts assume it.
    /// </summary>
    public const int ImageSize = 32;

    /// <summary>Accuracy of guessing: the datasets' classes are balanced (image folders roughly so).</summary>
    [JsonIgnore]
    public double Chance => 1.0 / Classes;

    /// <summary>The built-in datasets' shapes and split sizes; null for an image folder (read its manifest).</summary>
    public static DatasetInfo? BuiltIn(string dataset) => dataset switch
    {
        DatasetFiles.FashionMnist => new(dataset, 10, 1, 60_000, 10_000),
        DatasetFiles.Cifar10 => new(dataset, 10, 3, 50_000, 10_000),
        DatasetFiles.Cifar100 => new(dataset, 100, 3, 50_000, 10_000),
        _ => null,
    };
}
