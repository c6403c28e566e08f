using System.Diagnostics;
using Stitching.Core.Architectures;
using Stitching.Core.Sweeps;
using Stitching.GpuRunner.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Models;

/// <summary>
/// Base models by <see cref="ModelSpec.Key"/>: loaded from the checkpoint folder when a previous run made them,
/// otherwise trained (or, for random controls, initialized from their seed with batch-norm statistics from one pass
/// over the training images, <see cref="BatchNormStatistics"/>), evaluated and saved.
/// Returned models are frozen: eval mode, no parameter requires gradients.
/// </summary>
public sealed class ModelRepository(string directory, Device device)
{
    public string Directory { get; } = directory;

    public (ResNet Model, ModelCheckpoint Info) GetOrCreate(ModelSpec spec, SweepData data, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var arch = ResNetSpec.Parse(spec.Arch);
        var model = ResNet.Create(arch, spec.Width, data.Channels, data.Classes, spec.InitSeed, spec.Training.RandomInit);
        model.to(device);
        var info = ModelCheckpoint.TryRead(Directory, spec.Key);
        if (info is not null)
        {
            if (info.InChannels != data.Channels || info.Classes != data.Classes)
                throw new InvalidDataException($"Checkpoint {spec.Key} was made for {info.InChannels} channels and {info.Classes} classes, not {data.Channels} and {data.Classes}.");
            info.LoadInto(model, Directory);
            model.to(device);
            log?.Invoke($"Reusing {spec.Key} (test accuracy {info.TestAccuracy:P1})");
        }
        else
        {
            var clock = Stopwatch.StartNew();
            var layout = spec.Trained ? LayoutPolicy.Choose(model, device) : model.Layout;
            if (spec.Trained)
            {
                log?.Invoke($"Training {spec.Arch} (seed {spec.Seed}) for {spec.Training.Epochs} epochs on {data.AllTrainImages.shape[0]} images");
                ModelTrainer.Train(model, data.AllTrainImages, data.AllTrainLabels, spec.Training, spec.Seed, data.Augment,
                    (epoch, loss) => log?.Invoke($"  {spec.Arch} epoch {epoch}/{spec.Training.Epochs}: train loss {loss:F3}"), cancellationToken);
            }
            string batchNorm = "training";
            if (!spec.Trained)
            {
                BatchNormStatistics.Estimate(model, data.AllTrainImages);
                batchNorm = $"one pass over {data.AllTrainImages.shape[0]} training images, no weight update";
            }
            model.eval();
            var test = Evaluation.Run(x => model.call(x), data.TestImages, data.TestLabels);
            var spread = PredictionSpread.Run(x => model.call(x), data.TestImages, data.Classes);
            info = ModelCheckpoint.Save(model, Directory, new ModelCheckpoint(
                spec, data.Channels, data.Classes, test.Accuracy, test.Loss, (int)data.AllTrainImages.shape[0],
                "", typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "?", device.type.ToString().ToLowerInvariant(),
                DateTimeOffset.UtcNow, clock.Elapsed.TotalSeconds, Hardware.HardwareDescription.Of(device), LayoutPolicy.Name(layout),
                spread.EntropyBits, spread.DistinctClasses, batchNorm));
            log?.Invoke($"{(spec.Trained ? "Trained" : "Initialized random")} {spec.Arch} (seed {spec.Seed}, {spec.Training.RandomInit} init): test accuracy {test.Accuracy:P1}, "
                + $"{spread.DistinctClasses} classes predicted ({spread.EntropyBits:F2} bits)");
        }
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        return (model, info);
    }
}
