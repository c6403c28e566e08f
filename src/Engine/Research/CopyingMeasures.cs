using Stitching.Domain.Contracts;
using Stitching.Engine.Stitches;
using Stitching.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Research;

/// <summary>What the stitched network does on the test split, against the receiver's own network on the same images.</summary>
/// <param name="Agreement">Fraction of images whose predicted class equals the receiver's own prediction.</param>
/// <param name="Kl">Mean over images of KL(receiver's softmax || stitched softmax), in nats.</param>
public sealed record FunctionalAgreement(double Accuracy, double Agreement, double Kl);

/// <summary>
/// The measurements of the copying experiment that no other analysis makes: functional agreement with the receiver, the
/// variance that scales representational distances, the placebo (the recipe without the task) and the trade-off stitch
/// (cross-entropy + lambda x normalized copy MSE).
/// </summary>
public static class CopyingMeasures
{
    /// <summary>
    /// Accuracy, prediction agreement and KL of <paramref name="stitch"/> through <paramref name="suffix"/> against
    /// <paramref name="receiverLogits"/> (B, classes), the receiver's own logits on the same test images.
    /// </summary>
    public static FunctionalAgreement Functional(Stitch stitch, ActivationSource senderTest, Func<Tensor, Tensor> suffix, Tensor receiverLogits, Tensor labels, int batchSize = 500)
    {
        stitch.eval();
        using var _ = inference_mode();
        long n = labels.shape[0], correct = 0, agree = 0;
        double kl = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var idx = arange(start, Math.Min(n, start + batchSize), dtype: ScalarType.Int64, device: labels.device);
            var logits = suffix(stitch.call(senderTest.Get(idx).to(ScalarType.Float32))).to(ScalarType.Float64); // (B, classes)
            var own = receiverLogits.index_select(0, idx).to(ScalarType.Float64);
            var (logP, logQ) = (own.log_softmax(1), logits.log_softmax(1));
            kl += (logP.exp() * (logP - logQ)).sum().item<double>();                                              // host sync
            correct += logits.argmax(1).eq(labels.index_select(0, idx)).sum().item<long>();
            agree += logits.argmax(1).eq(own.argmax(1)).sum().item<long>();
        }
        return new FunctionalAgreement(correct / (double)n, agree / (double)n, kl / n);
    }

    /// <summary>Population variance of all elements of <paramref name="activations"/> (float64): the scale of a normalized MSE.</summary>
    public static double Variance(ActivationSource activations, Device device, int batchSize = 500)
    {
        using var _ = inference_mode();
        double sum = 0, squares = 0, count = 0;
        for (long start = 0; start < activations.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var x = activations.Get(arange(start, Math.Min(activations.Count, start + batchSize), dtype: ScalarType.Int64, device: device)).to(ScalarType.Float64);
            sum += x.sum().item<double>();
            squares += x.square().sum().item<double>();
            count += x.numel();
        }
        var mean = sum / count;
        var variance = squares / count - mean * mean;
        return variance > 0 ? variance : throw new InvalidOperationException($"The expected representation has no variance ({variance}): a dead layer cannot scale a distance.");
    }

    /// <summary>
    /// The placebo: <paramref name="stitch"/> takes <paramref name="steps"/> steps of the recipe's optimizer and learning-rate
    /// schedule (warm-up then cosine over the cap, as <see cref="TrainingLoop"/> for <paramref name="examples"/> examples) with a
    /// zero task gradient, so only what the optimizer adds by itself moves it (weight decay, which Adam's normalization turns
    /// into steps of about the learning rate whatever its size). With weight decay 0 nothing moves.
    /// </summary>
    public static void Placebo(Stitch stitch, StitchSettings settings, long examples, long steps)
    {
        var loop = LoopSettings.ForStitch(settings, examples);
        var totalSteps = TrainingLoop.StepsPerEpoch(examples, settings.BatchSize) * settings.Epochs;
        using var optimizer = StitchGroupTrainer.CreateOptimizer(stitch, settings);
        stitch.train();
        for (long step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            TrainingLoop.SetLearningRate(optimizer, settings.LearningRate * LearningRateSchedule.Factor(step, totalSteps, loop.WarmupSteps));
            optimizer.zero_grad();
            // Zero gradients that exist (an optimizer skips a parameter without one): the task contributes nothing.
            stitch.parameters().Select(p => (p * 0).sum()).Aggregate((a, b) => a + b).backward();
            optimizer.step();
        }
        stitch.eval();
    }

    /// <summary>
    /// Trains <paramref name="stitch"/> on cross-entropy through <paramref name="suffix"/> plus <paramref name="lambda"/> times
    /// the MSE to the expected representation divided by its variance (<paramref name="variance"/>, so lambda means the same
    /// at every layer), with the task stitch's recipe, held-out selection and stopping rule (<see cref="TrainingLoop"/>; the
    /// held-out score is the same per-image combined loss). Returns the loop's outcome.
    /// </summary>
    public static LoopOutcome TradeOff(Stitch stitch, Func<Tensor, Tensor> suffix, double lambda, double variance,
        (ActivationSource Sender, ActivationSource Expected, Tensor Labels) train, (ActivationSource Sender, ActivationSource Expected, Tensor Labels)? holdout,
        StitchSettings settings, int seed, CancellationToken cancellationToken = default)
    {
        var device = stitch.parameters().First().device;
        Tensor Loss(ActivationSource sender, ActivationSource expected, Tensor labels, Tensor idx, bool perImage)
        {
            var h = stitch.call(sender.Get(idx).to(ScalarType.Float32));                                  // (B, C, R, R)
            var logits = suffix(h).to(ScalarType.Float32);                                                 // (B, classes)
            var y = labels.index_select(0, idx);
            var copy = (h - expected.Get(idx).to(ScalarType.Float32)).square().flatten(1).mean([1]) / variance; // (B)
            var ce = nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.None);                  // (B)
            var loss = ce + lambda * copy;
            return perImage ? loss : loss.mean();
        }
        var result = TrainingLoop.Run([stitch], _ => StitchGroupTrainer.CreateOptimizer(stitch, settings), train.Labels.shape[0], device,
            LoopSettings.ForStitch(settings, train.Labels.shape[0]) with { Subject = $"trade-off stitch (lambda {lambda})" }, seed,
            (idx, _, _) =>
            {
                var loss = Loss(train.Sender, train.Expected, train.Labels, idx, perImage: false);
                loss.backward();
                return loss;
            },
            holdout is { } h ? _ => [Score(h)] : null, cancellationToken: cancellationToken);
        stitch.eval();
        return result.Members[0];

        HoldoutScore Score((ActivationSource Sender, ActivationSource Expected, Tensor Labels) split)
        {
            stitch.eval();
            using var _ = inference_mode();
            using var scope = NewDisposeScope();
            var idx = arange(split.Labels.shape[0], dtype: ScalarType.Int64, device: device);
            var losses = Loss(split.Sender, split.Expected, split.Labels, idx, perImage: true).cpu().data<float>().ToArray(); // host sync
            return new HoldoutScore(losses.Average(x => (double)x), double.NaN, losses);
        }
    }
}
