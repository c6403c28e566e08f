namespace Stitching.GpuRunner.Tests.Data;

/// <summary>Writes small CIFAR-10 binary-version batch files: channel c of image n is filled with <see cref="Pixel"/>.</summary>
public static class SyntheticCifar
{
    public static readonly string[] TrainFiles = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    public static byte Pixel(int image, int channel) => (byte)(10 + image * 3 + channel * 50);

    public static long Label(int image) => image % 10;

    /// <summary>All six files; image numbers run on across the five training files.</summary>
    public static void WriteDataset(string folder, int perTrainFile = 4, int test = 10)
    {
        Directory.CreateDirectory(folder);
        for (var f = 0; f < TrainFiles.Length; f++)
            File.WriteAllBytes(Path.Combine(folder, TrainFiles[f]), Batch(f * perTrainFile, perTrainFile));
        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), Batch(0, test));
    }

    public static byte[] Batch(int first, int count, byte? label = null)
    {
        var data = new byte[count * 3073];
        for (var i = 0; i < count; i++)
        {
            var record = data.AsSpan(i * 3073, 3073);
            record[0] = label ?? (byte)Label(first + i);
            for (var channel = 0; channel < 3; channel++)
                record.Slice(1 + channel * 1024, 1024).Fill(Pixel(first + i, channel));
        }
        return data;
    }
}
