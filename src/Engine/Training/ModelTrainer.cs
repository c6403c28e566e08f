using Stitching.Domain.Contracts;
using Stitching.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Training;

/// <summary>Trains a base network: SGD + momentum, weight decay, warm-up then cosine, seeded shuffles and augmentation.</summary>
public static class ModelTrainer
{
    /// <param name="augment">Batched augmentation (images, generator) to images; null for none.</param>
    /// <param name="onEpoch">Called after each epoch with (epoch, mean train loss, held-out accuracy or null without <paramref name="heldOut"/>).</param>
    /// <param name="heldOut">Images and labels scored after each epoch (in eval mode), never trained on.</param>
    /// <param name="checkpoint">
    /// Where the training state is saved at epoch ends and resumed from (<see cref="TrainingLoop"/>): a run killed mid-training
    /// (a runner stopped at its replica timeout) continues after the saved epoch and ends with the uninterrupted weights.
    /// </param>
    /// <returns>The held-out accuracy after each epoch (empty without <paramref name="heldOut"/>), the resumed epochs' included.</returns>
    public static IReadOnlyList<double> Train(ResNet model, Tensor images, Tensor labels, TrainSettings settings, int seed,
        Func<Tensor, Generator, Tensor>? augment = null, Action<int, double, double?>? onEpoch = null,
        (Tensor Images, Tensor Labels)? heldOut = null, LoopCheckpoint? checkpoint = null, CancellationToken cancellationToken = default)
    {
        model.UsePreferredLayout(images.device); // before the optimizer: it holds the parameters
        IReadOnlyList<double> curve;
        try
        {
            curve = TrainEpochs(model, images, labels, settings, seed, augment, onEpoch, heldOut, checkpoint, cancellationToken);
        }
        finally
        {
            model.UseChannelsLast(false); // checkpoints are saved plain contiguous
        }
        model.eval();
        return curve;
    }

    private static IReadOnlyList<double> TrainEpochs(ResNet model, Tensor images, Tensor labels, TrainSettings settings, int seed,
        Func<Tensor, Generator, Tensor>? augment, Action<int, double, double?>? onEpoch, (Tensor Images, Tensor Labels)? heldOut,
        LoopCheckpoint? checkpoint, CancellationToken cancellationToken)
    {
        long n = images.shape[0];
        var warmup = (long)(settings.WarmupEpochs * TrainingLoop.StepsPerEpoch(n, settings.BatchSize));
        // Held-out accuracy is reported after each epoch; it chooses nothing: the last weights are kept and nothing stops early.
        var loop = new LoopSettings(settings.Epochs, settings.BatchSize, settings.LearningRate, warmup)
        {
            EvalsPerEpoch = heldOut is null ? 0 : 1, CheckAtStart = false, KeepBest = false, Subject = $"base model {model.Spec.Name} width {model.Width} (seed {seed})",
        };
        double? heldOutAccuracy = null;
        Func<IReadOnlyList<int>, IReadOnlyList<HoldoutScore>>? check = heldOut is var (hx, hy)
            ? _ =>
            {
                model.eval();
                var e = Evaluation.Run(x => model.call(x), hx, hy);
                heldOutAccuracy = e.Accuracy;
                return [new HoldoutScore(e.Loss, e.Accuracy, null)];
            }
            : null;
        var result = TrainingLoop.Run([model],
            _ => optim.SGD(model.parameters(), settings.LearningRate, momentum: settings.Momentum, weight_decay: settings.WeightDecay),
            n, images.device, loop, seed,
            (idx, _, generator) =>
            {
                // The shuffling generator also draws the augmentation: one seed fixes both, on CPU and CUDA alike.
                var x = images.index_select(0, idx);
                if (augment is not null && settings.Augment) x = augment(x, generator);
                var loss = nn.functional.cross_entropy(model.call(x), labels.index_select(0, idx));
                loss.backward();
                return loss;
            },
            check, (epoch, loss) => onEpoch?.Invoke(epoch, loss, heldOutAccuracy), checkpoint, cancellationToken);
        // One check per epoch, at its end (CheckAtStart off): the loop's curve, which a resumed run carries from its file.
        return result.Members[0].Curve.Select(p => p.Accuracy).ToList();
    }
}
