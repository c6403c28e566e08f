using static TorchSharp.torch;

namespace Stitching.GpuRunner.Stitches;

/// <summary>Initial stitch weights before task training.</summary>
public static class StitchInitializer
{
    /// <summary>
    /// Direct matching (Csiszarik et al. 2021): the closed-form least-squares map from the sender's activations to
    /// the receiver's own activations at the replaced layer, from the exact normal equations over the training split.
    /// </summary>
    public static void FitLeastSquares(Stitch stitch, ActivationSource sender, ActivationSource target, double ridge, int batchSize = 1000)
    {
        // Filled in with Analysis.NormalEquations.
        throw new NotImplementedException();
    }
}
