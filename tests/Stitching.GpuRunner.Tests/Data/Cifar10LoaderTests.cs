using Stitching.Engine.Data;
using Stitching.Engine.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Data;

public sealed class Cifar10LoaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public Cifar10LoaderTests() => TorchRuntime.EnsureLoadable();

    public void Dispose() => _folder.Dispose();

    private DatasetOptions Options(string? folder = null, bool normalize = false) =>
        new() { Name = DatasetOptions.Cifar10, Folder = folder ?? _folder.Path, Normalize = normalize };

    [Fact]
    public void Loads_three_channel_images_from_r_g_b_planes()
    {
        SyntheticCifar.WriteDataset(_folder.Path, perTrainFile: 4, test: 10);

        using var data = DatasetLoader.Load(Options());

        Assert.Equal(new long[] { 20, 3, 32, 32 }, data.TrainImages.shape);
        Assert.Equal(new long[] { 10, 3, 32, 32 }, data.TestImages.shape);
        Assert.Equal((3, 10), (data.Channels, data.Classes));
        Assert.Equal("airplane", data.ClassNames[0]);
        // Image 13 is the second record of data_batch_4.bin: files are read in order.
        for (var channel = 0; channel < 3; channel++)
        {
            var plane = data.TrainImages[13, channel];
            Assert.Equal(SyntheticCifar.Pixel(13, channel) / 255f, plane.min().item<float>(), 6);
            Assert.Equal(SyntheticCifar.Pixel(13, channel) / 255f, plane.max().item<float>(), 6);
        }
        Assert.Equal(Enumerable.Range(0, 20).Select(SyntheticCifar.Label), data.TrainLabels.data<long>().ToArray());
    }

    [Fact]
    public void Files_left_in_the_archive_subfolder_are_found()
    {
        SyntheticCifar.WriteDataset(Path.Combine(_folder.Path, Cifar10Loader.ArchiveSubfolder), perTrainFile: 2, test: 3);

        using var data = DatasetLoader.Load(Options());

        Assert.Equal(10, data.TrainImages.shape[0]);
        Assert.Equal(3, data.TestImages.shape[0]);
    }

    [Fact]
    public void Normalization_uses_the_published_per_channel_statistics()
    {
        SyntheticCifar.WriteDataset(_folder.Path, perTrainFile: 1, test: 1);

        using var data = DatasetLoader.Load(Options(normalize: true));

        for (var channel = 0; channel < 3; channel++)
        {
            var expected = (SyntheticCifar.Pixel(0, channel) / 255f - Cifar10Loader.Mean[channel]) / Cifar10Loader.Std[channel];
            Assert.Equal(expected, data.TrainImages[0, channel, 5, 5].item<float>(), 5);
        }
    }

    [Fact]
    public void File_size_not_a_multiple_of_3073_is_rejected()
    {
        SyntheticCifar.WriteDataset(_folder.Path);
        var path = _folder.File("data_batch_3.bin");
        File.WriteAllBytes(path, SyntheticCifar.Batch(0, 2)[..^1]);

        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(Options()));

        Assert.Contains(path, error.Message);
        Assert.Contains("multiple of 3073 bytes", error.Message);
        Assert.Contains("6145 bytes", error.Message);
    }

    [Fact]
    public void Label_of_ten_or_more_is_rejected()
    {
        SyntheticCifar.WriteDataset(_folder.Path);
        var path = _folder.File("test_batch.bin");
        File.WriteAllBytes(path, SyntheticCifar.Batch(0, 2, label: 10));

        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(Options()));

        Assert.Contains(path, error.Message);
        Assert.Contains("label 10", error.Message);
    }

    [Fact]
    public void Missing_file_error_says_how_to_download_or_copy_the_data()
    {
        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(Options()));

        Assert.Contains(_folder.File("data_batch_1.bin"), error.Message);
        Assert.Contains("Stitching.GpuRunner download cifar10", error.Message);
        Assert.Contains("binary-version", error.Message);
    }
}
