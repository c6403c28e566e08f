using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Stitching.Engine.Models;

/// <summary>
/// Sets a network's batch-norm running statistics from one pass over images, changing no weight: each batch norm's
/// statistics are reset and become the cumulative average over the batches (PyTorch's momentum=None), in train
/// mode under no_grad, then the network goes back to eval mode. A random network in eval mode at the default
/// statistics (mean 0, variance 1: the identity) lets activations grow with depth until one image-independent
/// direction dominates the logits and it predicts one or two classes; with statistics from data each layer is
/// normalized as it is during training.
/// </summary>
public static class BatchNormStatistics
{
    /// <summary>Estimates every batch norm's running mean and variance from <paramref name="images"/> (N, C, H, W).</summary>
    public static void Estimate(ResNet model, Tensor images, int batchSize = 500)
    {
        var norms = model.modules().OfType<BatchNorm2d>().ToList();
        var momenta = norms.Select(b => b.momentum).ToList();
        try
        {
            foreach (var bn in norms)
            {
                bn.reset_running_stats();
                bn.momentum = null; // cumulative average over the batches
            }
            model.train();
            using var _ = no_grad();
            long n = images.shape[0];
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                model.call(images.slice(0, start, Math.Min(n, start + batchSize), 1));
            }
        }
        finally
        {
            for (var i = 0; i < norms.Count; i++) norms[i].momentum = momenta[i];
            model.eval();
        }
    }
}
