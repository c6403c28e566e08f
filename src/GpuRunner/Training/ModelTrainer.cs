using Stitching.Core.Contracts;
using Stitching.GpuRunner.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Training;

/// <summary>Trains a base network: SGD + momentum, weight decay, warm-up then cosine, seeded shuffles and augmentation.</summary>
public static class ModelTrainer
{
    /// <param name="augment">Batched augmentation (images, generator) to images; null for none.</param>
    /// <param name="onEpoch">Called after each epoch with (epoch, mean train loss, held-out accuracy or null without <paramref name="heldOut"/>).</param>
    /// <param name="heldOut">Images and labels scored after each epoch (in eval mode), never trained on.</param>
    public static void Train(ResNet model, Tensor images, Tensor labels, TrainSettings settings, int seed,
        Func<Tensor, Generator, Tensor>? augment = null, Action<int, double, double?>? onEpoch = null,
        (Tensor Images, Tensor Labels)? heldOut = null, CancellationToken cancellationToken = default)
    {
        model.UsePreferredLayout(images.device); // before the optimizer: it holds the parameters
        try
        {
            TrainEpochs(model, images, labels, settings, seed, augment, onEpoch, heldOut, cancellationToken);
        }
        finally
        {
            model.UseChannelsLast(false); // checkpoints are saved plain contiguous
        }
        model.eval();
    }

    private static void TrainEpochs(ResNet model, Tensor images, Tensor labels, TrainSettings settings, int seed,
        Func<Tensor, Generator, Tensor>? augment, Action<int, double, double?>? onEpoch, (Tensor Images, Tensor Labels)? heldOut,
        CancellationToken cancellationToken)
    {
        var device = images.device;
        long n = images.shape[0];
        var stepsPerEpoch = (n + settings.BatchSize - 1) / settings.BatchSize;
        var totalSteps = stepsPerEpoch * settings.Epochs;
        var warmup = (long)(settings.WarmupEpochs * stepsPerEpoch);
        using var optimizer = optim.SGD(model.parameters(), settings.LearningRate, momentum: settings.Momentum, weight_decay: settings.WeightDecay);
        // A CPU generator: the same seed gives the same order and augmentation on CPU and CUDA.
        using var generator = new Generator((ulong)seed);

        model.train();
        long step = 0;
        for (var epoch = 0; epoch < settings.Epochs; epoch++)
        {
            using var perm = randperm(n, generator: generator).to(device);
            double lossSum = 0;
            for (long start = 0; start < n; start += settings.BatchSize, step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var idx = perm.slice(0, start, Math.Min(n, start + settings.BatchSize), 1);
                var x = images.index_select(0, idx);
                if (augment is not null && settings.Augment) x = augment(x, generator);
                var y = labels.index_select(0, idx);
                SetLearningRate(optimizer, settings.LearningRate * LearningRateSchedule.Factor(step, totalSteps, warmup));
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.call(x), y);
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * idx.shape[0]; // host sync, once per step
            }
            double? heldOutAccuracy = null;
            if (heldOut is var (hx, hy))
            {
                model.eval();
                heldOutAccuracy = Evaluation.Run(x => model.call(x), hx, hy).Accuracy;
                model.train();
            }
            onEpoch?.Invoke(epoch + 1, lossSum / n, heldOutAccuracy);
        }
    }

    internal static void SetLearningRate(optim.Optimizer optimizer, double lr)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
    }
}
