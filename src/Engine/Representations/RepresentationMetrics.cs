using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Representations;

/// <summary>One-shot comparisons of a stitched representation with the expected one; stream with <see cref="RepresentationMetricsAccumulator"/>.</summary>
public static class RepresentationMetrics
{
    /// <summary>Mean squared difference over all elements, in float64.</summary>
    public static double Mse(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        return (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).square().mean().item<double>();   // host sync
    }

    /// <summary>MSE divided by the variance of <paramref name="expected"/> over all its elements (population variance).</summary>
    public static double NormalizedMse(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        // Written out: TorchSharp 0.107's Tensor.var(unbiased: false) without dims ignores the flag and divides by n - 1.
        var e = expected.to(ScalarType.Float64);
        var variance = (e - e.mean()).square().mean().item<double>();   // host sync
        return Mse(actual, expected) / variance;
    }

    /// <summary>All metrics of <see cref="RepresentationComparison"/> for (N, C, ...) tensors of the same shape.</summary>
    public static RepresentationComparison Compare(Tensor actual, Tensor expected)
    {
        using var accumulator = new RepresentationMetricsAccumulator();
        accumulator.Accumulate(actual, expected);
        return accumulator.Result();
    }
}
