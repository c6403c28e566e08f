using Stitching.Engine.Native;
using Stitching.Engine.Training;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

/// <summary>
/// A tiny learnable image task for engine tests: each of 10 classes is a fixed random 32x32 pattern,
/// each image its class pattern plus noise. A width-4 ResNet learns it in an epoch or two.
/// </summary>
public static class SyntheticData
{
    /// <param name="holdoutFraction">
    /// The held-out fraction the data says it was split with; model keys carry it and must match. The sizes are given
    /// directly, so it is a label: the sweeps' default, which the tests' specs use.
    /// </param>
    public static SweepData Create(int train = 400, int holdout = 100, int test = 200, int channels = 1, int seed = 7, double noise = 0.8,
        double holdoutFraction = 0.1)
    {
        TorchRuntime.EnsureLoadable();
        using var g = new Generator((ulong)seed);
        using var patterns = randn([10, channels, 32, 32], generator: g);
        (Tensor X, Tensor Y) Split(int n)
        {
            var y = randint(0, 10, [n], dtype: ScalarType.Int64, generator: g);
            var x = patterns.index_select(0, y) + noise * randn([n, channels, 32, 32], generator: g);
            return (x, y);
        }
        var (trX, trY) = Split(train);
        var (hoX, hoY) = Split(holdout);
        var (teX, teY) = Split(test);
        return new SweepData("synthetic", channels, 10, trX, trY, hoX, hoY, teX, teY, holdoutFraction, null);
    }
}
