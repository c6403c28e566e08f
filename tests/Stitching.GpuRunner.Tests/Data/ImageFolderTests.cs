using SkiaSharp;
using Stitching.Domain.Datasets;
using Stitching.Engine.Data;
using Stitching.Engine.Native;
using TorchSharp;

namespace Stitching.GpuRunner.Tests.Data;

/// <summary>
/// Image folders end to end on generated PNGs and JPEGs: <c>datasets prepare</c>'s preparer, the native-free reader
/// runners and <c>datasets upload</c> use, and the loader's tensors; and every refusal naming its file or folder.
/// </summary>
public sealed class ImageFolderTests : IDisposable
{
    private const string Dataset = "images-colours";
    private readonly TempFolder _folder = new();

    public ImageFolderTests() => TorchRuntime.EnsureLoadable();

    public void Dispose() => _folder.Dispose();

    private string Source => Path.Combine(_folder.Path, "source");

    private string Target => Path.Combine(_folder.Path, Dataset);

    private DatasetOptions Options(bool normalize = false) => new() { Name = Dataset, Folder = Target, Normalize = normalize };

    [Fact]
    public void Colour_images_of_any_size_load_as_32x32_with_the_folders_as_classes()
    {
        // Given three class folders of ten PNGs each, every one a different size
        SyntheticImages.WriteFolder(Source, classes: 3, perClass: 10);

        // When the folder is prepared and loaded
        var prepared = ImageFolderPreparer.Prepare(Source, Dataset, Target);
        using var data = DatasetLoader.Load(Options());

        // Then the class count, names and channels come from the folder, every fifth image of a class is a test image,
        // and a solid image stays its colour after resizing
        Assert.Equal(["class-a", "class-b", "class-c"], prepared.Manifest.ClassNames);
        Assert.Equal((3, 3, 24, 6), (data.Classes, data.Channels, prepared.Manifest.TrainImages, prepared.Manifest.TestImages));
        Assert.Equal(new long[] { 24, 3, 32, 32 }, data.TrainImages.shape);
        Assert.Equal(new long[] { 6, 3, 32, 32 }, data.TestImages.shape);
        Assert.Equal([0L, 0, 1, 1, 2, 2], data.TestLabels.data<long>().ToArray());
        // Test image 1 is class-a's image 9 (images 4 and 9 of each class are its test images).
        var expected = SyntheticImages.Colour(0, 9);
        var rgb = new[] { expected.Red, expected.Green, expected.Blue };
        for (var c = 0; c < 3; c++)
        {
            Assert.Equal(rgb[c] / 255f, data.TestImages[1, c].min().item<float>(), 2);
            Assert.Equal(rgb[c] / 255f, data.TestImages[1, c].max().item<float>(), 2);
        }
        Assert.Equal(new DatasetInfo(Dataset, 3, 3, 24, 6), DatasetLoader.Info(Options()));
        Assert.Equal((24, 6), DatasetLoader.Verify(Options()));
    }

    [Fact]
    public void Normalization_uses_the_training_images_statistics_recorded_at_preparation()
    {
        SyntheticImages.WriteFolder(Source, classes: 3, perClass: 5);
        ImageFolderPreparer.Prepare(Source, Dataset, Target);

        using var data = DatasetLoader.Load(Options(normalize: true));

        // Over the training images each channel has mean 0 and std 1 (statistics over exactly these pixels).
        for (var c = 0; c < 3; c++)
        {
            var channel = data.TrainImages.select(1, c);
            Assert.Equal(0, channel.mean().item<float>(), 3);
            Assert.Equal(1, channel.to_type(torch.ScalarType.Float64).std(unbiased: false).item<double>(), 3);
        }
    }

    [Fact]
    public void Grayscale_jpegs_give_one_channel_and_train_and_test_folders_are_used_as_given()
    {
        // Given train/ and test/ folders of grayscale JPEGs, two classes
        foreach (var (split, count) in new[] { ("train", 4), ("test", 2) })
        foreach (var cls in new[] { "cat", "dog" })
        {
            var folder = Directory.CreateDirectory(Path.Combine(Source, split, cls)).FullName;
            for (var i = 0; i < count; i++)
                SyntheticImages.Write(Path.Combine(folder, $"{i}.jpeg"), 50 + i, 45, cls == "cat" ? SKColors.White : SKColors.Black, SKEncodedImageFormat.Jpeg, gray: true);
        }

        var prepared = ImageFolderPreparer.Prepare(Source, Dataset, Target);
        using var data = DatasetLoader.Load(Options());

        Assert.Equal((1, 2, 8, 4), (data.Channels, data.Classes, (int)data.TrainImages.shape[0], (int)data.TestImages.shape[0]));
        Assert.Equal(["cat", "dog"], prepared.Manifest.ClassNames);
        Assert.Equal(1f, data.TestImages[0].min().item<float>(), 1); // a white cat
        Assert.Equal(0f, data.TestImages[2].max().item<float>(), 1); // a black dog
    }

    [Fact]
    public void Files_that_are_not_images_are_skipped_and_reported()
    {
        SyntheticImages.WriteFolder(Source, classes: 2, perClass: 5);
        File.WriteAllText(Path.Combine(Source, "class-a", "notes.txt"), "not an image");

        var prepared = ImageFolderPreparer.Prepare(Source, Dataset, Target);

        Assert.Equal([Path.Combine(Source, "class-a", "notes.txt")], prepared.Skipped);
        Assert.Equal(10, prepared.Manifest.TrainImages + prepared.Manifest.TestImages);
    }

    [Fact]
    public void A_folder_with_an_empty_class_is_refused_naming_that_class_folder()
    {
        SyntheticImages.WriteFolder(Source, classes: 2, perClass: 5);
        var empty = Directory.CreateDirectory(Path.Combine(Source, "class-z")).FullName;

        var e = Assert.Throws<DatasetException>(() => ImageFolderPreparer.Prepare(Source, Dataset, Target));

        Assert.Equal(empty, e.FilePath);
        Assert.Contains("an empty folder", e.Message);
        Assert.False(File.Exists(Path.Combine(Target, DatasetFiles.ManifestFile)));
    }

    [Fact]
    public void A_folder_with_one_class_is_refused()
    {
        SyntheticImages.WriteFolder(Source, classes: 1, perClass: 5);

        var e = Assert.Throws<DatasetException>(() => ImageFolderPreparer.Prepare(Source, Dataset, Target));

        Assert.Equal(Source, e.FilePath);
        Assert.Contains("expected at least 2 class folders, found 1", e.Message);
    }

    [Fact]
    public void A_corrupt_or_disguised_image_is_refused_by_name()
    {
        SyntheticImages.WriteFolder(Source, classes: 2, perClass: 5);
        var truncated = Path.Combine(Source, "class-b", "002.png");
        File.WriteAllBytes(truncated, File.ReadAllBytes(truncated)[..40]);
        var e = Assert.Throws<DatasetException>(() => ImageFolderPreparer.Prepare(Source, Dataset, Target));
        Assert.Equal(truncated, e.FilePath);

        SyntheticImages.WriteFolder(Source, classes: 2, perClass: 5); // repaired
        var disguised = Path.Combine(Source, "class-a", "003.png");
        File.WriteAllText(disguised, "<html>not found</html>");
        e = Assert.Throws<DatasetException>(() => ImageFolderPreparer.Prepare(Source, Dataset, Target));
        Assert.Equal(disguised, e.FilePath);
        Assert.Contains("expected a PNG or JPEG image", e.Message);
    }

    [Fact]
    public void A_colour_image_among_grayscale_ones_is_refused_by_name()
    {
        foreach (var cls in new[] { "a", "b" })
        {
            var folder = Directory.CreateDirectory(Path.Combine(Source, cls)).FullName;
            for (var i = 0; i < 5; i++) SyntheticImages.Write(Path.Combine(folder, $"{i}.png"), 33, 33, SKColors.Gray, gray: true);
        }
        var colour = Path.Combine(Source, "b", "3.png");
        SyntheticImages.Write(colour, 33, 33, SKColors.Red);

        var e = Assert.Throws<DatasetException>(() => ImageFolderPreparer.Prepare(Source, Dataset, Target));

        Assert.Equal(colour, e.FilePath);
        Assert.Contains("expected 1 channel(s) like the first image", e.Message);
        Assert.Contains("found 3 channel(s)", e.Message);
    }

    [Fact]
    public void A_prepared_split_that_was_truncated_or_relabelled_is_refused_without_a_decoder()
    {
        SyntheticImages.WriteFolder(Source, classes: 2, perClass: 5);
        ImageFolderPreparer.Prepare(Source, Dataset, Target);
        var train = Path.Combine(Target, ImageFolderLoader.TrainFile);
        var bytes = File.ReadAllBytes(train);

        File.WriteAllBytes(train, bytes[..^10]);
        var e = Assert.Throws<DatasetException>(() => DatasetLoader.Verify(Options()));
        Assert.Equal(train, e.FilePath);

        bytes[0] = 7; // label 7 of a two-class dataset
        File.WriteAllBytes(train, bytes);
        e = Assert.Throws<DatasetException>(() => DatasetLoader.Verify(Options()));
        Assert.Contains("expected labels below 2, found label 7 in record 0", e.Message);

        File.Delete(Path.Combine(Target, DatasetFiles.ManifestFile));
        e = Assert.Throws<DatasetException>(() => DatasetLoader.Verify(Options()));
        Assert.Contains("datasets prepare", e.Message);
    }
}
