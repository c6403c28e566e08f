using System.Collections.Concurrent;
using Stitching.Core.Contracts;
using Stitching.Core.Jobs;
using Stitching.Core.Results;
using Stitching.Core.Sweeps;

namespace Stitching.Platform.Tests;

/// <summary>Stands in for the engine: writes checkpoint files where the real one does, returns made-up accuracies.</summary>
public sealed class FakeExecutor(TimeSpan? delay = null, bool failModels = false) : IJobExecutor
{
    public ConcurrentBag<string> Models { get; } = [];
    public ConcurrentBag<string> Stitches { get; } = [];

    public async Task<ModelResult> TrainModelAsync(ModelSpec model, string checkpointDirectory, CancellationToken ct)
    {
        Models.Add(model.Key);
        if (failModels) throw new InvalidOperationException("CUDA out of memory (fake)");
        await Task.Delay(delay ?? TimeSpan.Zero, ct);
        Directory.CreateDirectory(Path.Combine(checkpointDirectory, "models"));
        await File.WriteAllBytesAsync(Path.Combine(checkpointDirectory, "models", model.Key + ".bin"), [1, 2, 3], ct);
        await File.WriteAllTextAsync(Path.Combine(checkpointDirectory, "models", model.Key + ".json"), "{}", ct);
        return new ModelResult(model.Arch, model.Width, model.Dataset, model.Seed, model.Trained, model.Training.Epochs, 1000, model.Trained ? 0.9 : 0.1, 0.3);
    }

    public async Task<StitchResult> TrainStitchAsync(SweepSpec spec, StitchTask task, string checkpointDirectory, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(checkpointDirectory, "models", task.Sender.Key + ".bin"))) throw new FileNotFoundException("sender checkpoint missing");
        Stitches.Add(task.Id);
        await Task.Delay(delay ?? TimeSpan.Zero, ct);
        return new StitchResult(task.Variant.Name(), task.Sender.Arch, task.SenderLayer, task.Receiver.Arch, task.ReceiverLayer,
            task.Shape.KindName, task.Shape.Parameters, spec.Stitch.Epochs, 1000, 0.5 + task.SenderLayer.Length / 100.0, 1.0, 0.01,
            task.Sender.Seed, task.Receiver.Seed, task.StitchSeed);
    }
}
