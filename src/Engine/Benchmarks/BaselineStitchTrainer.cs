using Stitching.Domain.Contracts;
using Stitching.Engine.Models;
using Stitching.Engine.Stitches;
using Stitching.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Benchmarks;

/// <summary>
/// The straightforward way to train one stitch, kept as the benchmark's reference: fp32, and every step runs
/// the whole stitched network (sender prefix under no-grad, stitch, receiver suffix) for a fixed number of
/// epochs from PyTorch's default initialization. Frozen parameters do not require gradients.
/// </summary>
public static class BaselineStitchTrainer
{
    public static Evaluation Train(ResNet sender, int senderLayer, Stitch stitch, ResNet receiver, int receiverLayer,
        SweepData data, StitchSettings settings, int seed, CancellationToken cancellationToken = default)
    {
        long n = data.TrainImages.shape[0];
        // No held-out split: the fixed number of epochs, and the last weights.
        TrainingLoop.Run([stitch], _ => StitchGroupTrainer.CreateOptimizer(stitch, settings), n, data.TrainImages.device,
            LoopSettings.ForStitch(settings, n), seed,
            (idx, _, _) =>
            {
                var x = data.TrainImages.index_select(0, idx);
                Tensor h;
                using (no_grad()) h = sender.ForwardPrefix(x, senderLayer);
                var logits = receiver.ForwardSuffix(stitch.call(h), receiverLayer);
                nn.functional.cross_entropy(logits, data.TrainLabels.index_select(0, idx)).backward();
                return null;
            },
            cancellationToken: cancellationToken);
        stitch.eval();
        return Evaluation.Run(x => receiver.ForwardSuffix(stitch.call(sender.ForwardPrefix(x, senderLayer)), receiverLayer), data.TestImages, data.TestLabels);
    }
}
