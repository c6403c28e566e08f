using Stitching.Engine.Representations;
using static TorchSharp.torch;

namespace Stitching.Engine.Stitches;

/// <summary>Initial stitch weights before task training.</summary>
public static class StitchInitializer
{
    /// <summary>
    /// Direct matching (Csiszarik et al. 2021): the closed-form least-squares map from the sender's activations to
    /// the receiver's own activations at the replaced layer, from the exact normal equations over the training split.
    /// </summary>
    /// <param name="images">How many training images to accumulate (0 = all), the first ones of the split (file order, not grouped by class).</param>
    public static void FitLeastSquares(Stitch stitch, ActivationSource sender, ActivationSource target, double ridge, int images = 0, int batchSize = 1000)
    {
        using var equations = new NormalEquations(stitch.Shape with { BatchNorm = false });
        var n = images > 0 ? Math.Min(images, sender.Count) : sender.Count;
        var device = stitch.parameters().First().device;
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var idx = arange(start, Math.Min(n, start + batchSize), dtype: ScalarType.Int64, device: device);
            equations.Accumulate(sender.Get(idx).to(ScalarType.Float32), target.Get(idx).to(ScalarType.Float32));
        }
        var (weight, bias) = equations.Solve(ridge);
        using (weight)
        using (bias)
            stitch.SetLinearMap(weight.to(device), bias.to(device));
    }
}
