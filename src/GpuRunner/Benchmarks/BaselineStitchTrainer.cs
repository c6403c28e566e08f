using Stitching.Core.Contracts;
using Stitching.GpuRunner.Models;
using Stitching.GpuRunner.Stitches;
using Stitching.GpuRunner.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Benchmarks;

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
        var stepsPerEpoch = (n + settings.BatchSize - 1) / settings.BatchSize;
        var totalSteps = stepsPerEpoch * settings.Epochs;
        var warmup = (long)(settings.WarmupFraction * totalSteps);
        using var optimizer = StitchGroupTrainer.CreateOptimizer(stitch, settings);
        using var generator = new Generator((ulong)seed);
        long step = 0;
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            using var perm = randperm(n, generator: generator).to(data.TrainImages.device);
            for (long start = 0; start < n; start += settings.BatchSize, step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var idx = perm.slice(0, start, Math.Min(n, start + settings.BatchSize), 1);
                var x = data.TrainImages.index_select(0, idx);
                Tensor h;
                using (no_grad()) h = sender.ForwardPrefix(x, senderLayer);
                stitch.train();
                var logits = receiver.ForwardSuffix(stitch.call(h), receiverLayer);
                var loss = nn.functional.cross_entropy(logits, data.TrainLabels.index_select(0, idx));
                ModelTrainer.SetLearningRate(optimizer, settings.LearningRate * LearningRateSchedule.Factor(step, totalSteps, warmup));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        }
        stitch.eval();
        return Evaluation.Run(x => receiver.ForwardSuffix(stitch.call(sender.ForwardPrefix(x, senderLayer)), receiverLayer), data.TestImages, data.TestLabels);
    }
}
