using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Models;

/// <summary>
/// Base models by <see cref="ModelSpec.Key"/>: loaded from the checkpoint folder when a previous run made them,
/// otherwise trained (or, for random controls, initialized from their seed with batch-norm statistics from one pass
/// over the training images, <see cref="BatchNormStatistics"/>), evaluated and saved.
/// Returned models are frozen: eval mode, no parameter requires gradients.
/// </summary>
public sealed class ModelRepository(string directory, Device device, ILogger<ModelRepository>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<ModelRepository>.Instance;

    public string Directory { get; } = directory;

    public (ResNet Model, ModelCheckpoint Info) GetOrCreate(ModelSpec spec, SweepData data, CancellationToken cancellationToken = default) =>
        GetOrCreate(spec, data, null, cancellationToken);

    /// <param name="progress">
    /// Where a trained model's training state is saved at epoch ends (at most once per interval; zero: every epoch) and
    /// resumed from; null: nothing is saved. A queue runner passes one, so a job stopped mid-training resumes.
    /// </param>
    public (ResNet Model, ModelCheckpoint Info) GetOrCreate(ModelSpec spec, SweepData data, (string File, TimeSpan Interval)? progress,
        CancellationToken cancellationToken = default)
    {
        var arch = ResNetSpec.Parse(spec.Arch);
        var model = ResNet.Create(arch, spec.Width, data.Channels, data.Classes, spec.InitSeed, spec.Training.RandomInit);
        model.to(device);
        // Every kernel this network trains and evaluates with, checked on this CPU before it is trusted (cached per CPU).
        Kernels.KernelGuard.Ensure(Kernels.KernelCheckPlan.For([new Kernels.KernelNetwork(spec.Arch, spec.Width, data.Channels, data.Classes)], [],
            [LayoutPolicy.Choose(model, device)], [ScalarType.Float32]), device, _logger);
        if (Math.Abs(spec.HoldoutFraction - data.HoldoutFraction) > 1e-12)
            throw new ArgumentException($"Model {spec.Key} excludes a held-out part of {spec.HoldoutFraction:R} from training, but the data was split with {data.HoldoutFraction:R}; load the data with the model's held-out fraction.");
        // A new checkpoint stores its score on this run's test set; a reused one is scored again, since the key has no test
        // subset (sweeps of other test limits share the model) and the stored score may be another test set's.
        ModelCheckpoint Scored(ModelCheckpoint unscored)
        {
            model.eval();
            var test = Evaluation.Run(x => model.call(x), data.TestImages, data.TestLabels);
            var spread = PredictionSpread.Run(x => model.call(x), data.TestImages, data.Classes);
            return unscored with
            {
                TestAccuracy = test.Accuracy, TestLoss = test.Loss, PredictionEntropyBits = spread.EntropyBits, PredictedClasses = spread.DistinctClasses,
            };
        }

        var info = ModelCheckpoint.TryRead(Directory, spec.Key);
        if (info is not null)
        {
            if (info.InChannels != data.Channels || info.Classes != data.Classes)
                throw new InvalidDataException($"Checkpoint {spec.Key} was made for {info.InChannels} channels and {info.Classes} classes, not {data.Channels} and {data.Classes}.");
            info.LoadInto(model, Directory);
            model.to(device);
            info = Scored(info); // the stored file is left as it is
            _logger.LogInformation("Reusing {Model} (test accuracy {Accuracy:P1} on this run's {TestImages} test images)", spec.Key, info.TestAccuracy, data.TestImages.shape[0]);
        }
        else
        {
            var clock = Stopwatch.StartNew();
            var layout = spec.Trained ? LayoutPolicy.Choose(model, device) : model.Layout;
            IReadOnlyList<double> curve = [];
            if (spec.Trained)
            {
                // The held-out accuracy after each epoch is the learning curve: printed, and kept in the metadata and
                // models.csv, so whether a base model reached its plateau can be read, not assumed.
                _logger.LogInformation("Training {Arch} (seed {Seed}) for {Epochs} epochs on {TrainImages} images ({HeldOutImages} held out)",
                    spec.Arch, spec.Seed, spec.Training.Epochs, data.TrainImages.shape[0], data.HoldoutImages.shape[0]);
                // The key names the run: another model's (or another data split's) file is never resumed from.
                var checkpoint = progress is not var (file, interval) ? null
                    : new LoopCheckpoint(file, $"{spec.Key}|{data.TrainImages.shape[0]}|{data.HoldoutImages.shape[0]}", interval, _logger);
                curve = ModelTrainer.Train(model, data.TrainImages, data.TrainLabels, spec.Training, spec.Seed, data.Augment,
                    (epoch, loss, heldOut) =>
                    {
                        if (heldOut is { } a)
                            _logger.LogInformation("  {Arch} epoch {Epoch}/{Epochs}: train loss {Loss:F3}, held-out accuracy {HeldOutAccuracy:P1}", spec.Arch, epoch, spec.Training.Epochs, loss, a);
                        else _logger.LogInformation("  {Arch} epoch {Epoch}/{Epochs}: train loss {Loss:F3}", spec.Arch, epoch, spec.Training.Epochs, loss);
                    },
                    data.HoldoutImages.shape[0] > 0 ? (data.HoldoutImages, data.HoldoutLabels) : null, checkpoint, cancellationToken);
            }
            string batchNorm = "training";
            if (!spec.Trained)
            {
                BatchNormStatistics.Estimate(model, data.TrainImages);
                batchNorm = $"one pass over {data.TrainImages.shape[0]} training images, no weight update";
            }
            info = Checkpoints.Save(model, Directory, Scored(new ModelCheckpoint(
                spec, data.Channels, data.Classes, double.NaN, double.NaN, (int)data.TrainImages.shape[0],
                "", typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "?", device.type.ToString().ToLowerInvariant(),
                DateTimeOffset.UtcNow, clock.Elapsed.TotalSeconds, Hardware.HardwareDescription.Of(device), LayoutPolicy.Name(layout),
                BatchNormStatistics: batchNorm, HeldOutCurve: curve, Provenance: Sweeps.EngineProvenance.Capture(device, ScalarType.Float32))));
            _logger.LogInformation("{Made} {Arch} (seed {Seed}, {Init} init): test accuracy {Accuracy:P1}, {PredictedClasses} classes predicted ({EntropyBits:F2} bits)",
                spec.Trained ? "Trained" : "Initialized random", spec.Arch, spec.Seed, spec.Training.RandomInit.Name(), info.TestAccuracy, info.PredictedClasses, info.PredictionEntropyBits);
        }
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        return (model, info);
    }
}
