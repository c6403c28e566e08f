using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Representations;

/// <summary>
/// Linear centered kernel alignment between two representations of the same N inputs:
/// Kornblith et al. 2019, "Similarity of Neural Network Representations Revisited" (ICML), equation 5 / section 3.
/// Each representation is flattened to (N, D), D = C*H*W, and centered over the N inputs. Two equal forms:
/// feature space, ||Yc^T Xc||_F^2 / (||Xc^T Xc||_F ||Yc^T Yc||_F), costing N*D^2 and D^2 memory; and
/// kernel space, &lt;K, L&gt;_F / (||K||_F ||L||_F) with K = Xc Xc^T and L = Yc Yc^T, costing N^2*D and N^2 memory.
/// Full-resolution layers reach D = 16384, where D x D matrices (2 GiB in float64) are too big, so
/// <see cref="Compute"/> takes the cheaper form; for full-resolution features that means a subset of a few thousand inputs.
/// For streaming over a whole dataset use <see cref="LinearCkaAccumulator"/> with spatial pooling.
/// Everything is computed in float64.
/// </summary>
public static class LinearCka
{
    /// <summary>CKA in [0, 1] between x (N, ...) and y (N, ...); NaN when either representation is constant over the inputs.</summary>
    public static double Compute(Tensor x, Tensor y)
    {
        if (x.shape[0] != y.shape[0])
            throw new ArgumentException($"Both representations need the same inputs; got {x.shape[0]} and {y.shape[0]}.");
        using var scope = NewDisposeScope();
        var xc = Centered(x);   // (N, Dx)
        var yc = Centered(y);   // (N, Dy)
        long n = xc.shape[0], dx = xc.shape[1], dy = yc.shape[1];
        var kernelForm = n * (dx + dy) <= dx * dx + dy * dy + dx * dy;
        return kernelForm
            ? Alignment(xc.matmul(xc.t()), yc.matmul(yc.t()))                          // (N, N) each; already centered
            : Squared(yc.t().matmul(xc)) / (xc.t().matmul(xc).norm() * yc.t().matmul(yc).norm()).item<double>();   // host sync
    }

    /// <summary>&lt;K, L&gt;_F / (||K||_F ||L||_F) for two centered kernels or covariance matrices.</summary>
    private static double Alignment(Tensor k, Tensor l) =>
        ((k * l).sum() / (k.norm() * l.norm())).item<double>();   // host sync

    private static double Squared(Tensor m) => m.square().sum().item<double>();   // host sync

    private static Tensor Centered(Tensor x)
    {
        var flat = x.reshape(x.shape[0], -1).to(ScalarType.Float64);   // (N, D)
        return flat - flat.mean([0], keepdim: true);
    }
}
