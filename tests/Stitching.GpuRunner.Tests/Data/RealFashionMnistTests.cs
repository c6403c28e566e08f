using Stitching.Engine.Data;
using Stitching.Engine.Native;
using TorchSharp;

namespace Stitching.GpuRunner.Tests.Data;

/// <summary>The installed Debian package (or STITCHING_TEST_FASHION_MNIST): skipped where it is missing, failed under CI=true.</summary>
public sealed class RealFashionMnistTests
{
    public RealFashionMnistTests() => TorchRuntime.EnsureLoadable();

    [FashionMnistFact]
    public void Installed_package_loads_a_balanced_thousand_with_all_ten_labels()
    {
        using var data = DatasetLoader.Load(new DatasetOptions { Folder = Requirement.FashionMnist(), TrainLimit = 1000, TestLimit = 1000 });

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
