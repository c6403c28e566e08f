using Stitching.Engine.Native;
using Stitching.Engine.Representations;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Analysis;

public sealed class RepresentationMetricsTests
{
    public RepresentationMetricsTests() => TorchRuntime.EnsureLoadable();

    [Fact]
    public void Identical_representations_have_zero_error_and_zero_distribution_distance()
    {
        using var scope = NewDisposeScope();
        var y = randn(10, 4, 5, 5, generator: new Generator(1)) * 3 + 1;

        var comparison = RepresentationMetrics.Compare(y, y);

        Assert.Equal(0, RepresentationMetrics.Mse(y, y));
        Assert.Equal(0, comparison.Mse);
        Assert.Equal(0, comparison.NormalizedMse);
        Assert.Equal(0, comparison.DistributionDistance, 1e-12);
        Assert.Equal(10L * 4 * 5 * 5, comparison.Elements);
    }

    [Fact]
    public void Normalized_mse_of_zeros_against_a_target_is_its_mean_square_over_its_variance()
    {
        using var scope = NewDisposeScope();
        var y = randn(10, 4, 5, 5, generator: new Generator(2)) + 0.7;
        var y64 = y.to(ScalarType.Float64);
        var variance = (y64 - y64.mean()).square().mean();   // population variance; Tensor.var(unbiased: false) ignores the flag in 0.107
        var expected = (y64.square().mean() / variance).item<double>();

        Assert.Equal(expected, RepresentationMetrics.NormalizedMse(zeros_like(y), y), 1e-9);
        Assert.Equal(expected, RepresentationMetrics.Compare(zeros_like(y), y).NormalizedMse, 1e-9);
    }

    [Fact]
    public void Distribution_distance_grows_with_a_shift_and_a_change_of_scale()
    {
        using var scope = NewDisposeScope();
        var y = randn(20, 4, 6, 6, generator: new Generator(3));

        var small = RepresentationMetrics.Compare(y + 0.5, y);
        var large = RepresentationMetrics.Compare(y + 2, y);
        var scaled = RepresentationMetrics.Compare(y * 2, y);

        var channelStd = (y - y.mean([0, 2, 3], keepdim: true)).square().mean([0, 2, 3]).sqrt().to(ScalarType.Float64);   // (C)
        Assert.Equal((0.5 / channelStd).mean().item<double>(), small.MeanShift, 1e-5);
        Assert.True(large.MeanShift > small.MeanShift);
        Assert.Equal(0, small.LogVarianceRatio, 1e-6);   // float32 rounding of y + 0.5
        Assert.Equal(Math.Log(4), scaled.LogVarianceRatio, 1e-6);
        Assert.True(large.DistributionDistance > small.DistributionDistance);
    }

    [Fact]
    public void Streaming_metrics_in_per_batch_scopes_equal_one_shot_metrics()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(4);
        var expected = randn(30, 3, 4, 4, generator: generator) * 2 + 1;
        var actual = expected * 0.8 + 0.3 * randn(30, 3, 4, 4, generator: generator);
        using var accumulator = new RepresentationMetricsAccumulator();

        foreach (var (from, to) in new[] { (0, 4), (4, 21), (21, 30) })
        {
            using var batchScope = NewDisposeScope();
            accumulator.Accumulate(actual[from..to], expected[from..to]);
        }
        var streamed = accumulator.Result();
        var oneShot = RepresentationMetrics.Compare(actual, expected);

        Assert.Equal(oneShot.Elements, streamed.Elements);
        Assert.Equal(RepresentationMetrics.Mse(actual, expected), streamed.Mse, 1e-9);
        Assert.Equal(RepresentationMetrics.NormalizedMse(actual, expected), streamed.NormalizedMse, 1e-9);
        Assert.Equal(oneShot.MeanShift, streamed.MeanShift, 1e-9);
        Assert.Equal(oneShot.LogVarianceRatio, streamed.LogVarianceRatio, 1e-9);
    }

    [Fact]
    public void Dead_expected_channel_gives_a_finite_distance()
    {
        using var scope = NewDisposeScope();
        var expected = randn(8, 3, 4, 4, generator: new Generator(5));
        expected[.., 1] = zeros(8, 4, 4);

        var comparison = RepresentationMetrics.Compare(expected + 0.1, expected);

        Assert.True(double.IsFinite(comparison.DistributionDistance));
        Assert.True(comparison.MeanShift > 1);
    }
}
