using Stitching.GpuRunner.Data;
using Stitching.GpuRunner.Native;
using TorchSharp;

namespace Stitching.GpuRunner.Tests.Data;

/// <summary>
/// Skips when the Debian package is absent on a developer machine. Under CI=true it never skips: CI installs the package,
/// so a missing dataset there fails the test (loading it throws) instead of silently passing as skipped.
/// </summary>
public sealed class FashionMnistInstalledFactAttribute : FactAttribute
{
    public FashionMnistInstalledFactAttribute()
    {
        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (!ci && !File.Exists(Path.Combine(FashionMnistLoader.PackageFolder, "train-images-idx3-ubyte.gz")))
            Skip = $"Fashion-MNIST not installed in {FashionMnistLoader.PackageFolder} (apt-get install dataset-fashion-mnist).";
    }
}

public sealed class RealFashionMnistTests
{
    public RealFashionMnistTests() => TorchRuntime.EnsureLoadable();

    [FashionMnistInstalledFact]
    public void Installed_package_loads_a_balanced_thousand_with_all_ten_labels()
    {
        using var data = DatasetLoader.Load(new DatasetOptions { TrainLimit = 1000, TestLimit = 1000 });

        Assert.Equal(new long[] { 1000, 1, 32, 32 }, data.TrainImages.shape);
        Assert.Equal(new long[] { 1000, 1, 32, 32 }, data.TestImages.shape);
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), data.TrainLabels.unique().Item1.data<long>().ToArray());
        Assert.Equal(Enumerable.Range(0, 10).Select(i => (long)i), data.TestLabels.unique().Item1.data<long>().ToArray());
        Assert.All(data.TrainLabels.bincount(null).data<long>().ToArray(), count => Assert.Equal(100, count));
        // Normalized with the published statistics: the 28x28 interior averages about 0 (std 1) on real data.
        var interior = data.TrainImages[.., .., 2..30, 2..30];
        Assert.InRange(interior.mean().item<float>(), -0.1f, 0.1f);
        Assert.InRange(interior.std().item<float>(), 0.9f, 1.1f);
    }
}
