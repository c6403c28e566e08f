using Stitching.Engine.Data;

namespace Stitching.GpuRunner.Tests.Data;

public sealed class DatasetOptionsTests
{
    [Fact]
    public void Defaults_load_all_of_fashion_mnist_from_the_debian_package_normalized()
    {
        var options = new DatasetOptions();

        Assert.Equal(DatasetOptions.FashionMnist, options.Name);
        Assert.Equal(FashionMnistLoader.PackageFolder, options.ResolvedFolder);
        Assert.Equal((null, null, 0, 0.0, true), (options.TrainLimit, options.TestLimit, options.SubsetSeed, options.ValidationFraction, options.Normalize));
    }

    [Fact]
    public void Cifar10_defaults_to_the_user_cache_folder()
    {
        var folder = new DatasetOptions { Name = DatasetOptions.Cifar10 }.ResolvedFolder;

        Assert.EndsWith(Path.Combine("stitching", "cifar10"), folder);
    }

    [Theory]
    [InlineData("mnist", null, 0.0)]
    [InlineData("cifar10", 0, 0.0)]
    [InlineData("cifar10", null, 1.0)]
    [InlineData("cifar10", null, -0.1)]
    public void Unknown_names_and_out_of_range_values_are_rejected(string name, int? trainLimit, double fraction)
    {
        var options = new DatasetOptions { Name = name, TrainLimit = trainLimit, ValidationFraction = fraction };

        Assert.ThrowsAny<ArgumentException>(() => DatasetLoader.Load(options));
    }
}
