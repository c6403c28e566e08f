using Stitching.Engine.Data;
using Stitching.Engine.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Data;

public sealed class FashionMnistLoaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public FashionMnistLoaderTests() => TorchRuntime.EnsureLoadable();

    public void Dispose() => _folder.Dispose();

    private DatasetOptions Options(bool normalize = false) =>
        new() { Name = DatasetOptions.FashionMnist, Folder = _folder.Path, Normalize = normalize };

    [Fact]
    public void Loads_single_channel_32x32_images_with_a_two_pixel_zero_border()
    {
        // Given
        SyntheticIdx.WriteDataset(_folder.Path, train: 30, test: 20);

        // When
        using var data = DatasetLoader.Load(Options());

        // Then
        Assert.Equal(new long[] { 30, 1, 32, 32 }, data.TrainImages.shape);
        Assert.Equal(new long[] { 20, 1, 32, 32 }, data.TestImages.shape);
        Assert.Equal(ScalarType.Float32, data.TrainImages.dtype);
        Assert.Equal(ScalarType.Int64, data.TrainLabels.dtype);
        Assert.Equal((1, 10), (data.Channels, data.Classes));
        Assert.Equal(0, data.HoldoutImages.shape[0]);

        var images = data.TrainImages;
        var border = cat([images[.., .., ..2, ..].flatten(), images[.., .., 30.., ..].flatten(),
            images[.., .., .., ..2].flatten(), images[.., .., .., 30..].flatten()]);
        Assert.Equal(0f, border.abs().max().item<float>());
        Assert.True(images[.., .., 2..30, 2..30].min().item<float>() > 0);
        Assert.Equal(SyntheticIdx.Pixel(3, 5, 7) / 255f, images[3, 0, 2 + 5, 2 + 7].item<float>(), 6);
        Assert.Equal(Enumerable.Range(0, 30).Select(SyntheticIdx.Label), data.TrainLabels.data<long>().ToArray());
    }

    [Fact]
    public void Uncompressed_idx_files_load_like_gzipped_ones()
    {
        SyntheticIdx.WriteDataset(_folder.Path, train: 10, test: 10, gzip: false);

        using var data = DatasetLoader.Load(Options());

        Assert.Equal(new long[] { 10, 1, 32, 32 }, data.TrainImages.shape);
        Assert.Equal(SyntheticIdx.Pixel(9, 27, 27) / 255f, data.TrainImages[9, 0, 29, 29].item<float>(), 6);
    }

    [Fact]
    public void Normalization_uses_the_published_mean_and_std()
    {
        SyntheticIdx.WriteDataset(_folder.Path, train: 10, test: 10);

        using var data = DatasetLoader.Load(Options(normalize: true));

        var black = -FashionMnistLoader.Mean[0] / FashionMnistLoader.Std[0];
        Assert.Equal(black, data.TrainImages[0, 0, 0, 0].item<float>(), 5);
        Assert.Equal(black, data.BlackLevel[0], 5);
        var pixel = (SyntheticIdx.Pixel(1, 0, 0) / 255f - FashionMnistLoader.Mean[0]) / FashionMnistLoader.Std[0];
        Assert.Equal(pixel, data.TrainImages[1, 0, 2, 2].item<float>(), 5);
    }

    [Fact]
    public void Missing_file_error_names_the_path_and_the_debian_package()
    {
        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(Options()));

        Assert.Contains(_folder.File("train-images-idx3-ubyte.gz"), error.Message);
        Assert.Contains("dataset-fashion-mnist", error.Message);
        Assert.Contains("--data-dir", error.Message);
    }

    [Fact]
    public void Image_file_shorter_than_its_header_says_is_rejected_as_truncated()
    {
        SyntheticIdx.WriteDataset(_folder.Path);
        var path = _folder.File("train-images-idx3-ubyte.gz");
        SyntheticIdx.WriteImages(path, count: 30, dropBytes: 100);

        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(Options()));

        Assert.Contains(path, error.Message);
        Assert.Contains($"{16 + 30 * 784} bytes", error.Message);
        Assert.Contains($"{16 + 30 * 784 - 100} bytes", error.Message);
    }

    [Fact]
    public void Cut_off_gzip_file_is_rejected()
    {
        SyntheticIdx.WriteDataset(_folder.Path);
        var path = _folder.File("t10k-images-idx3-ubyte.gz");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(Options()));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Wrong_magic_number_is_rejected_with_expected_and_found_values()
    {
        SyntheticIdx.WriteDataset(_folder.Path);
        var path = _folder.File("train-images-idx3-ubyte.gz");
        SyntheticIdx.WriteImages(path, count: 30, magic: 2049);

        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(Options()));

        Assert.Contains(path, error.Message);
        Assert.Contains("IDX magic 2051", error.Message);
        Assert.Contains("2049", error.Message);
    }

    [Fact]
    public void Images_that_are_not_28x28_are_rejected()
    {
        SyntheticIdx.WriteDataset(_folder.Path);
        SyntheticIdx.WriteImages(_folder.File("train-images-idx3-ubyte.gz"), count: 30, side: 32);

        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(Options()));

        Assert.Contains("28x28", error.Message);
        Assert.Contains("32x32", error.Message);
    }

    [Fact]
    public void Label_count_different_from_image_count_is_rejected()
    {
        SyntheticIdx.WriteDataset(_folder.Path, train: 30);
        var path = _folder.File("train-labels-idx1-ubyte.gz");
        SyntheticIdx.WriteLabels(path, new byte[29]);

        var error = Assert.Throws<DatasetException>(() => DatasetLoader.Load(Options()));

        Assert.Contains(path, error.Message);
        Assert.Contains("30 labels", error.Message);
        Assert.Contains("29 labels", error.Message);
    }
}
