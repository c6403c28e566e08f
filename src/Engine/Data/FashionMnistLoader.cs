using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace Stitching.Engine.Data;

/// <summary>
/// Reads Fashion-MNIST's IDX files (gzip or plain) and pads each 28x28 image with 2 zero pixels per side to 32x32,
/// so a CIFAR-style ResNet's stages run at 32/16/8/4 on both datasets.
/// Format: http://yann.lecun.com/exdb/mnist/ (big-endian int32 header, then uint8 data).
/// </summary>
public static class FashionMnistLoader
{
    /// <summary>Where the Debian package dataset-fashion-mnist installs the files.</summary>
    public const string PackageFolder = "/usr/share/datasets/fashion-mnist";

    public const int ImageMagic = 2051;
    public const int LabelMagic = 2049;
    public const int SourceSide = 28;
    private const int Border = (RawSplit.Side - SourceSide) / 2; // 2

    public static readonly IReadOnlyList<string> ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    // Statistics of the 60k training images on the original 28x28, before padding (the commonly published values;
    // recomputed from the Debian package's files: 0.28604, 0.35302). Fixed rather than measured per run so models trained on different subsets
    // see the same input mapping and can be stitched to each other.
    public static readonly float[] Mean = [0.2860f];
    public static readonly float[] Std = [0.3530f];

    public static string Remedy =>
        $"Install the data with `apt-get install dataset-fashion-mnist` (it goes to {PackageFolder}) or pass --data-dir pointing at a folder holding the four IDX files.";

    /// <summary>Reads the training (60k) or test (10k) split from <paramref name="folder"/>; throws <see cref="DatasetException"/> on any defect.</summary>
    public static RawSplit Read(string folder, bool train)
    {
        var prefix = train ? "train" : "t10k";
        var images = ReadIdx(folder, $"{prefix}-images-idx3-ubyte", ImageMagic, out var imagesPath);
        var labels = ReadIdx(folder, $"{prefix}-labels-idx1-ubyte", LabelMagic, out var labelsPath);

        var (count, pixelsAt) = ImageHeader(images, imagesPath);
        var labelCount = LabelHeader(labels, labelsPath);
        if (labelCount != count)
            throw new DatasetException(labelsPath, $"{count} labels, as many as images in {imagesPath}", $"{labelCount} labels", Remedy);

        var pixels = Pad(images.AsSpan(pixelsAt), count);
        var labelValues = new long[count];
        for (var i = 0; i < count; i++)
        {
            var label = labels[8 + i];
            if (label >= ClassNames.Count)
                throw new DatasetException(labelsPath, $"labels below {ClassNames.Count}", $"label {label} at index {i}", Remedy);
            labelValues[i] = label;
        }
        return new RawSplit(pixels, labelValues, Channels: 1);
    }

    private static (int Count, int PixelsAt) ImageHeader(byte[] data, string path)
    {
        RequireHeader(data, 16, path, "an IDX image header");
        var count = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
        var rows = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(8));
        var cols = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(12));
        if (rows != SourceSide || cols != SourceSide)
            throw new DatasetException(path, $"{SourceSide}x{SourceSide} images", $"{rows}x{cols}", Remedy);
        if (count < 0) throw new DatasetException(path, "a non-negative image count", count.ToString(CultureInfo.InvariantCulture), Remedy);
        RequireLength(data, 16L + (long)count * SourceSide * SourceSide, path, $"{count} images of {SourceSide}x{SourceSide} after the header");
        return (count, 16);
    }

    private static int LabelHeader(byte[] data, string path)
    {
        RequireHeader(data, 8, path, "an IDX label header");
        var count = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(4));
        if (count < 0) throw new DatasetException(path, "a non-negative label count", count.ToString(CultureInfo.InvariantCulture), Remedy);
        RequireLength(data, 8L + count, path, $"{count} labels after the header");
        return count;
    }

    private static void RequireHeader(byte[] data, int headerBytes, string path, string what)
    {
        if (data.Length < headerBytes)
            throw new DatasetException(path, $"at least {headerBytes} bytes ({what})", $"{data.Length} bytes (uncompressed)", Remedy);
    }

    // Exact length: shorter is a truncated download, longer means the header does not describe the file.
    private static void RequireLength(byte[] data, long expected, string path, string what)
    {
        if (data.Length != expected)
            throw new DatasetException(path, $"{expected} bytes ({what})", $"{data.Length} bytes (uncompressed)", Remedy);
    }

    private static byte[] Pad(ReadOnlySpan<byte> source, int count)
    {
        const int side = RawSplit.Side;
        var padded = new byte[(long)count * side * side]; // zeros: the border
        for (var n = 0; n < count; n++)
        for (var row = 0; row < SourceSide; row++)
        {
            source.Slice((n * SourceSide + row) * SourceSide, SourceSide)
                .CopyTo(padded.AsSpan(n * side * side + (row + Border) * side + Border, SourceSide));
        }
        return padded;
    }

    /// <summary>Reads <c>name.gz</c> or, failing that, <c>name</c>, and checks the IDX magic number.</summary>
    private static byte[] ReadIdx(string folder, string name, int magic, out string path)
    {
        var gz = Path.Combine(folder, name + ".gz");
        var plain = Path.Combine(folder, name);
        path = File.Exists(gz) ? gz : File.Exists(plain) ? plain : gz;
        if (!File.Exists(path))
            throw new DatasetException(path, $"the IDX file {name}.gz (or {name})", "no such file", Remedy);

        byte[] data;
        try
        {
            data = path.EndsWith(".gz", StringComparison.Ordinal) ? Gunzip(path) : File.ReadAllBytes(path);
        }
        catch (InvalidDataException e)
        {
            throw new DatasetException(path, "a complete gzip stream", $"corrupt or truncated gzip data ({e.Message})", Remedy, e);
        }
        if (data.Length < 4)
            throw new DatasetException(path, $"IDX magic {magic}", $"a {data.Length}-byte file", Remedy);
        var found = BinaryPrimitives.ReadInt32BigEndian(data);
        if (found != magic)
            throw new DatasetException(path, $"IDX magic {magic}", $"magic {found}", Remedy);
        return data;
    }

    private static byte[] Gunzip(string path)
    {
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var memory = new MemoryStream();
        gzip.CopyTo(memory);
        return memory.ToArray();
    }
}
