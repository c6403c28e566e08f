using System.Buffers.Binary;
using System.IO.Compression;

namespace Stitching.GpuRunner.Tests.Data;

/// <summary>Writes small Fashion-MNIST-shaped IDX files. Every pixel is non-zero, so padding is recognisable.</summary>
public static class SyntheticIdx
{
    public static byte Pixel(int image, int row, int col) => (byte)(1 + (image * 7 + row * 3 + col) % 254);

    public static long Label(int image) => image % 10;

    /// <summary>The four files of a dataset with <paramref name="train"/> and <paramref name="test"/> images.</summary>
    public static void WriteDataset(string folder, int train = 30, int test = 20, bool gzip = true)
    {
        var suffix = gzip ? ".gz" : "";
        WriteImages(Path.Combine(folder, "train-images-idx3-ubyte" + suffix), train);
        WriteLabels(Path.Combine(folder, "train-labels-idx1-ubyte" + suffix), Enumerable.Range(0, train).Select(i => (byte)Label(i)).ToArray());
        WriteImages(Path.Combine(folder, "t10k-images-idx3-ubyte" + suffix), test);
        WriteLabels(Path.Combine(folder, "t10k-labels-idx1-ubyte" + suffix), Enumerable.Range(0, test).Select(i => (byte)Label(i)).ToArray());
    }

    /// <param name="dropBytes">Bytes cut from the end of the payload, to fake a truncated file.</param>
    public static void WriteImages(string path, int count, int side = 28, int magic = 2051, int dropBytes = 0)
    {
        var data = new byte[16 + count * side * side];
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), count);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(8), side);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(12), side);
        for (var n = 0; n < count; n++)
        for (var row = 0; row < side; row++)
        for (var col = 0; col < side; col++)
            data[16 + (n * side + row) * side + col] = Pixel(n, row, col);
        Write(path, data[..^dropBytes]);
    }

    public static void WriteLabels(string path, byte[] labels, int magic = 2049)
    {
        var data = new byte[8 + labels.Length];
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(4), labels.Length);
        labels.CopyTo(data, 8);
        Write(path, data);
    }

    private static void Write(string path, byte[] data)
    {
        if (!path.EndsWith(".gz", StringComparison.Ordinal))
        {
            File.WriteAllBytes(path, data);
            return;
        }
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(data);
    }
}
