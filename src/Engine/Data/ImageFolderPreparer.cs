using System.Text.Json;
using SkiaSharp;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;

namespace Stitching.Engine.Data;

/// <summary>
/// <c>datasets prepare</c>: turns a folder of class folders of PNG or JPEG images into an image-folder dataset
/// (<see cref="ImageFolderLoader"/>'s three files), decoded once here so that runners and <c>datasets upload</c> read plain
/// bytes and the dataset travels through blob storage as three files, like the built-in ones.
/// <list type="bullet">
/// <item>Layout: <c>{source}/{class}/*.png|jpg|jpeg</c>, split into train and test by taking every
/// (1/testFraction)-th image of each class (ordinal file order) as test; or <c>{source}/train/{class}/…</c> and
/// <c>{source}/test/{class}/…</c> with the same class folders, used as they are. Labels follow the class folders' ordinal order.
/// Files with other extensions (e.g. .DS_Store, notes) are skipped and reported.</item>
/// <item>Size: every image, whatever its size, is resized (stretched, no crop) to the models' input,
/// <see cref="DatasetInfo.ImageSize"/> square: the CIFAR-style ResNet's stages and the layer catalogue assume 32x32, so
/// a dataset-specific size would change every shape the plan computes. Linear filtering over mipmaps, so large images
/// are averaged down rather than aliased.</item>
/// <item>Channels: 1 when the first image decodes as grayscale, else 3 (alpha dropped); every other image must match, so
/// a colour photo among grayscale scans is refused, named, rather than silently converted.</item>
/// </list>
/// Every defect is a <see cref="DatasetException"/> naming the file or folder: fewer than 2 classes, an empty class
/// folder, a file that is not a PNG or JPEG or does not decode, mixed channels, no test image.
/// </summary>
public static class ImageFolderPreparer
{
    public const double DefaultTestFraction = 0.2;
    public static readonly IReadOnlyList<string> Extensions = [".png", ".jpg", ".jpeg"];

    private const int Side = DatasetInfo.ImageSize;

    /// <summary>The prepared dataset: its manifest, where its files are, and the files of the source that were skipped.</summary>
    public sealed record Prepared(ImageFolderManifest Manifest, string Folder, IReadOnlyList<string> Skipped);

    private sealed record Split(List<(string File, int Label)> Train, List<(string File, int Label)> Test);

    /// <summary>Reads <paramref name="source"/> and writes <paramref name="dataset"/>'s files into <paramref name="target"/> (created if missing).</summary>
    /// <exception cref="DatasetException">A defect of the source, naming the file or folder.</exception>
    /// <exception cref="ArgumentException">Not an image-folder dataset name, or a test fraction outside (0, 1).</exception>
    public static Prepared Prepare(string source, string dataset, string target, double testFraction = DefaultTestFraction)
    {
        if (!DatasetFiles.IsImageFolder(dataset))
            throw new ArgumentException($"'{dataset}' is not an image-folder dataset name: {DatasetFiles.ImagesPrefix} then 1..40 lowercase letters, digits and hyphens.", nameof(dataset));
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be in (0, 1)");
        if (!Directory.Exists(source))
            throw new DatasetException(source, "a folder with one subfolder of PNG or JPEG images per class", "no such folder", Layout);

        var skipped = new List<string>();
        var (classNames, split) = Directory.Exists(Path.Combine(source, "train")) && Directory.Exists(Path.Combine(source, "test"))
            ? GivenSplit(source, skipped)
            : SplitByFraction(source, testFraction, skipped);
        if (split.Test.Count == 0)
            throw new DatasetException(source, $"at least one test image (every {Math.Round(1 / testFraction):0}th image of a class is one)",
                "none: every class has too few images", "Add images, raise --test-fraction, or give train/ and test/ subfolders.");

        var channels = Channels(split.Train[0].File);
        var train = Encode(split.Train, channels, split.Train[0].File);
        var test = Encode(split.Test, channels, split.Train[0].File);
        var (mean, std) = Statistics(train, channels);
        var manifest = new ImageFolderManifest(dataset, classNames, channels, Side, split.Train.Count, split.Test.Count, mean, std);

        Directory.CreateDirectory(target);
        // The manifest goes last and the old one first: a folder is a dataset only once all of it is written.
        File.Delete(Path.Combine(target, DatasetFiles.ManifestFile));
        WriteAtomically(Path.Combine(target, ImageFolderLoader.TrainFile), train);
        WriteAtomically(Path.Combine(target, ImageFolderLoader.TestFile), test);
        WriteAtomically(Path.Combine(target, DatasetFiles.ManifestFile),
            JsonSerializer.SerializeToUtf8Bytes(manifest, PlatformJsonContext.Indented.ImageFolderManifest));
        return new Prepared(manifest, target, skipped);
    }

    private const string Layout = "Give a folder with one subfolder per class (its name is the class name) holding PNG or JPEG images, or train/ and test/ folders that each hold such class folders.";

    private static (IReadOnlyList<string> Classes, Split Split) SplitByFraction(string source, double testFraction, List<string> skipped)
    {
        var classes = ClassFolders(source);
        var split = new Split([], []);
        for (var label = 0; label < classes.Count; label++)
        {
            var files = Images(classes[label], skipped);
            // Image i is a test image when it crosses a multiple of 1/fraction: spread evenly, the same on every machine.
            for (var i = 0; i < files.Count; i++)
                ((int)Math.Floor((i + 1) * testFraction) > (int)Math.Floor(i * testFraction) ? split.Test : split.Train).Add((files[i], label));
        }
        return (classes.Select(Path.GetFileName).ToList()!, split);
    }

    private static (IReadOnlyList<string> Classes, Split Split) GivenSplit(string source, List<string> skipped)
    {
        var trainRoot = Path.Combine(source, "train");
        var testRoot = Path.Combine(source, "test");
        var train = ClassFolders(trainRoot);
        var test = ClassFolders(testRoot);
        var names = train.Select(Path.GetFileName).ToList();
        if (!names.SequenceEqual(test.Select(Path.GetFileName)))
            throw new DatasetException(testRoot, $"the class folders of {trainRoot} ({string.Join(", ", names)})",
                string.Join(", ", test.Select(Path.GetFileName)), Layout);
        var split = new Split([], []);
        for (var label = 0; label < train.Count; label++)
        {
            split.Train.AddRange(Images(train[label], skipped).Select(f => (f, label)));
            split.Test.AddRange(Images(test[label], skipped).Select(f => (f, label)));
        }
        return (names!, split);
    }

    private static List<string> ClassFolders(string root)
    {
        var folders = Directory.GetDirectories(root).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal).ToList();
        if (folders.Count < 2)
            throw new DatasetException(root, "at least 2 class folders", $"{folders.Count}", Layout);
        if (folders.Count > ushort.MaxValue + 1)
            throw new DatasetException(root, $"at most {ushort.MaxValue + 1} class folders (labels are stored as uint16)", $"{folders.Count}", Layout);
        return folders;
    }

    private static List<string> Images(string classFolder, List<string> skipped)
    {
        var files = Directory.GetFiles(classFolder).Order(StringComparer.Ordinal).ToList();
        var images = files.Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant())).ToList();
        skipped.AddRange(files.Except(images));
        if (images.Count == 0)
            throw new DatasetException(classFolder, "at least one image (.png, .jpg or .jpeg) in each class folder",
                files.Count == 0 ? "an empty folder" : $"none among its {files.Count} file(s)", Layout);
        return images;
    }

    private static int Channels(string file)
    {
        using var codec = Open(file);
        return codec.Info.ColorType == SKColorType.Gray8 ? 1 : 3;
    }

    // Native-free first: a file that is neither PNG nor JPEG is named as such before the decoder sees it.
    private static SKCodec Open(string file)
    {
        var bytes = File.ReadAllBytes(file);
        if (ImageSignature.Of(bytes) is null)
            throw new DatasetException(file, "a PNG or JPEG image", bytes.Length == 0 ? "an empty file" : $"a file starting {Convert.ToHexString(bytes.AsSpan(0, Math.Min(8, bytes.Length)))}",
                "Remove it or convert it to PNG or JPEG.");
        return SKCodec.Create(new SKMemoryStream(bytes), out var result) is { } codec && result == SKCodecResult.Success
            ? codec
            : throw new DatasetException(file, $"a decodable {ImageSignature.Of(bytes)} image", $"a file the decoder refuses ({result})", "Remove it or save it again.");
    }

    // Records of [label uint16 LE][C planes of 32x32], in the order given.
    private static byte[] Encode(List<(string File, int Label)> images, int channels, string first)
    {
        var recordBytes = ImageFolderLoader.LabelBytes + channels * Side * Side;
        var data = new byte[(long)images.Count * recordBytes];
        for (var n = 0; n < images.Count; n++)
        {
            var (file, label) = images[n];
            var record = data.AsSpan(n * recordBytes, recordBytes);
            record[0] = (byte)label;
            record[1] = (byte)(label >> 8);
            var rgba = Decode(file, channels, first); // (32, 32, 4) uint8
            for (var c = 0; c < channels; c++)
            for (var p = 0; p < Side * Side; p++)
                record[ImageFolderLoader.LabelBytes + c * Side * Side + p] = rgba[p * 4 + c];
        }
        return data;
    }

    private static byte[] Decode(string file, int channels, string first)
    {
        using var codec = Open(file);
        var found = codec.Info.ColorType == SKColorType.Gray8 ? 1 : 3;
        if (found != channels)
            throw new DatasetException(file, $"{channels} channel(s) like the first image, {first}", $"{found} channel(s)",
                "Give all images of a dataset the same colour type: all grayscale or all colour.");
        // RGBA unpremultiplied whatever the source: a gray image reads back with R = G = B, and alpha is dropped without
        // darkening the colours under it.
        var full = new SKImageInfo(codec.Info.Width, codec.Info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var bitmap = new SKBitmap(full);
        var result = codec.GetPixels(full, bitmap.GetPixels());
        if (result is not (SKCodecResult.Success or SKCodecResult.IncompleteInput))
            throw new DatasetException(file, "a decodable image", $"a file the decoder refuses ({result})", "Remove it or save it again.");
        if (result == SKCodecResult.IncompleteInput)
            throw new DatasetException(file, "a complete image", "a truncated one", "Remove it or save it again.");
        using var image = SKImage.FromBitmap(bitmap);
        var small = new SKImageInfo(Side, Side, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var resized = new SKBitmap(small);
        using var pixmap = resized.PeekPixels();
        if (!image.ScalePixels(pixmap, new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear)))
            throw new DatasetException(file, $"an image that can be resized to {Side}x{Side}", "one the resampler refuses", "Save it again as PNG or JPEG.");
        return resized.Bytes; // (32, 32, 4) RGBA, rows packed: 32 * 4 bytes each
    }

    private static (float[] Mean, float[] Std) Statistics(byte[] records, int channels)
    {
        var plane = Side * Side;
        var recordBytes = ImageFolderLoader.LabelBytes + channels * plane;
        var count = records.Length / recordBytes;
        var mean = new float[channels];
        var std = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            double sum = 0, squares = 0;
            for (var n = 0; n < count; n++)
            foreach (var b in records.AsSpan(n * recordBytes + ImageFolderLoader.LabelBytes + c * plane, plane))
            {
                sum += b;
                squares += (double)b * b;
            }
            var pixels = (double)count * plane;
            var m = sum / pixels / 255;
            mean[c] = (float)m;
            // A constant channel would divide by zero; 1 leaves it centred and unscaled.
            var s = Math.Sqrt(Math.Max(0, squares / pixels / (255.0 * 255) - m * m));
            std[c] = s > 1e-6 ? (float)s : 1f;
        }
        return (mean, std);
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        File.WriteAllBytes(path + ".tmp", bytes);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
