using Stitching.Domain.Datasets;
using Stitching.Engine.Data;
using Stitching.Engine.Native;

namespace Stitching.GpuRunner.Tests.Data;

/// <summary>The CIFAR-100 binary version on generated files: fine labels, 100 classes, R/G/B planes.</summary>
public sealed class Cifar100LoaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public Cifar100LoaderTests() => TorchRuntime.EnsureLoadable();

    public void Dispose() => _folder.Dispose();

    private static byte Pixel(int image, int channel) => (byte)(5 + image * 2 + channel * 70);

    // Record n: coarse label n % 20, fine label (7 n) % 100, then plane c filled with Pixel(n, c).
    private static byte[] Records(int count, int first = 0)
    {
        var data = new byte[count * 3074];
        for (var i = 0; i < count; i++)
        {
            var n = first + i;
            var record = data.AsSpan(i * 3074, 3074);
            record[0] = (byte)(n % 20);
            record[1] = (byte)(7 * n % 100);
            for (var c = 0; c < 3; c++) record.Slice(2 + c * 1024, 1024).Fill(Pixel(n, c));
        }
        return data;
    }

    [Fact]
    public void Loads_fine_labels_as_one_hundred_classes()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder.Path, Cifar100Loader.ArchiveSubfolder)).FullName;
        File.WriteAllBytes(Path.Combine(folder, "train.bin"), Records(30));
        File.WriteAllBytes(Path.Combine(folder, "test.bin"), Records(8, first: 100));
        var options = new DatasetOptions { Name = DatasetOptions.Cifar100, Folder = _folder.Path, Normalize = false };

        using var data = DatasetLoader.Load(options);

        Assert.Equal((3, 100), (data.Channels, data.Classes));
        Assert.Equal(("apple", "worm"), (data.ClassNames[0], data.ClassNames[99]));
        Assert.Equal(Enumerable.Range(0, 30).Select(n => (long)(7 * n % 100)), data.TrainLabels.data<long>().ToArray());
        Assert.Equal(Enumerable.Range(100, 8).Select(n => (long)(7 * n % 100)), data.TestLabels.data<long>().ToArray());
        for (var c = 0; c < 3; c++) Assert.Equal(Pixel(13, c) / 255f, data.TrainImages[13, c].mean().item<float>(), 6);
        Assert.Equal(DatasetInfo.BuiltIn(DatasetFiles.Cifar100)!.Classes, data.Classes);
        Assert.Equal(["train.bin", "test.bin"], DatasetFiles.Of(DatasetFiles.Cifar100));
        Assert.Equal((30, 8), DatasetLoader.Verify(options));
    }

    [Fact]
    public void A_fine_label_past_99_or_a_truncated_file_is_refused_naming_the_file()
    {
        var train = _folder.File("train.bin");
        var test = _folder.File("test.bin");
        var bytes = Records(3);
        bytes[3074 + 1] = 100; // record 1's fine label
        File.WriteAllBytes(train, bytes);
        File.WriteAllBytes(test, Records(2)[..^1]);
        var options = new DatasetOptions { Name = DatasetOptions.Cifar100, Folder = _folder.Path };

        var e = Assert.Throws<DatasetException>(() => DatasetLoader.Verify(options));
        Assert.Equal(train, e.FilePath);
        Assert.Contains("expected labels below 100, found label 100 in record 1", e.Message);

        File.WriteAllBytes(train, Records(3));
        e = Assert.Throws<DatasetException>(() => DatasetLoader.Verify(options));
        Assert.Equal(test, e.FilePath);
        Assert.Contains("a non-zero multiple of 3074 bytes", e.Message);
    }
}
