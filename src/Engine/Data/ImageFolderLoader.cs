using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;

namespace Stitching.Engine.Data;

/// <summary>
/// Reads an image-folder dataset as <see cref="ImageFolderPreparer"/> wrote it: <c>dataset.json</c>
/// (<see cref="ImageFolderManifest"/>), then <c>train.bin</c> and <c>test.bin</c>, records of a uint16 little-endian label
/// and one (C, 32, 32) image. Plain C#, no image decoder and no native library: the runners and <c>datasets upload</c>
/// read prepared bytes, and only <c>datasets prepare</c> decodes PNG and JPEG.
/// </summary>
public static class ImageFolderLoader
{
    public const string TrainFile = "train.bin";
    public const string TestFile = "test.bin";
    public const int LabelBytes = 2;

    public static string Remedy(string dataset, string folder) =>
        $"Prepare it from a folder with one subfolder of PNG or JPEG images per class: `Stitching.GpuRunner datasets prepare --images <folder> --dataset {dataset} --data-dir {Path.GetDirectoryName(Path.GetFullPath(folder))}`, or pass --data-dir pointing at the folder holding {dataset}/.";

    /// <summary>The manifest in <paramref name="folder"/>, checked against the name the caller asked for and against itself.</summary>
    /// <exception cref="DatasetException">Missing, not valid JSON, another dataset's, or inconsistent.</exception>
    public static ImageFolderManifest ReadManifest(string dataset, string folder)
    {
        var path = Path.Combine(folder, DatasetFiles.ManifestFile);
        if (!File.Exists(path)) throw new DatasetException(path, $"the manifest of image-folder dataset {dataset}", "no such file", Remedy(dataset, folder));
        ImageFolderManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize(File.ReadAllText(path), PlatformJsonContext.Default.ImageFolderManifest);
        }
        catch (JsonException e)
        {
            throw new DatasetException(path, "a dataset manifest in JSON", $"invalid JSON ({e.Message})", Remedy(dataset, folder), e);
        }
        string? defect = manifest switch
        {
            null => "an empty document",
            _ when manifest.Name != dataset => $"the manifest of {manifest.Name}",
            { ClassNames.Count: < 2 } => $"{manifest.ClassNames.Count} classes",
            { Channels: not (1 or 3) } => $"{manifest.Channels} channels",
            { ImageSize: not DatasetInfo.ImageSize } => $"images of side {manifest.ImageSize}",
            _ when manifest.Mean.Count != manifest.Channels || manifest.Std.Count != manifest.Channels || manifest.Std.Any(s => !(s > 0)) =>
                "per-channel mean and std that do not match its channels",
            _ => null,
        };
        if (defect is not null)
            throw new DatasetException(path, $"the manifest of {dataset}: 2 or more classes, 1 or 3 channels, {DatasetInfo.ImageSize}x{DatasetInfo.ImageSize} images, a positive std per channel",
                defect, Remedy(dataset, folder));
        return manifest!;
    }

    /// <summary>Reads one split and checks its count against the manifest; throws <see cref="DatasetException"/> on any defect.</summary>
    public static RawSplit Read(ImageFolderManifest manifest, string folder, bool train)
    {
        var path = Path.Combine(folder, train ? TrainFile : TestFile);
        var remedy = Remedy(manifest.Name, folder);
        var format = new LabelledRecords($"a split of image-folder dataset {manifest.Name}", LabelBytes, manifest.Channels, manifest.ClassNames.Count,
            header => header[0] | (header[1] << 8), remedy);
        var split = format.Read([path]);
        var expected = train ? manifest.TrainImages : manifest.TestImages;
        if (split.Count != expected)
            throw new DatasetException(path, $"{expected} images, as {DatasetFiles.ManifestFile} says", $"{split.Count}", remedy);
        return split;
    }
}
