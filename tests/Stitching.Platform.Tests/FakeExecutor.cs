using System.Collections.Concurrent;
using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Platform.Processing;
using Stitching.Reporting.Tables;

namespace Stitching.Platform.Tests;

/// <summary>
/// Stands in for the engine: writes checkpoint files where the real one does, returns made-up accuracies and held-out curves.
/// <paramref name="failOnceAt"/> makes the first call for that receiver layer throw, as a crash in the middle of a job.
/// </summary>
public sealed class FakeExecutor(TimeSpan? delay = null, bool failModels = false, string? failOnceAt = null) : IJobExecutor
{
    private int _failed;

    public ConcurrentBag<string> Models { get; } = [];
    public ConcurrentBag<string> Stitches { get; } = [];
    /// <summary>Stitches per call: the engine trains each call's stitches in one loop.</summary>
    public ConcurrentQueue<int> CallSizes { get; } = [];

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

    public async Task<StitchJobResult> TrainStitchesAsync(SweepSpec spec, IReadOnlyList<StitchTask> tasks, string checkpointDirectory, CancellationToken ct)
    {
        if (tasks.Select(t => (t.Receiver.Key, t.ReceiverLayer, t.StitchSeed)).Distinct().Count() != 1)
            throw new ArgumentException("A call's stitches must share receiver, receiver layer and seed.", nameof(tasks));
        if (tasks[0].ReceiverLayer == failOnceAt && Interlocked.Exchange(ref _failed, 1) == 0) throw new IOException("runner crashed (fake)");
        CallSizes.Enqueue(tasks.Count);
        var results = new List<StitchResult>();
        foreach (var task in tasks) results.Add(await TrainOneAsync(spec, task, checkpointDirectory, ct));
        // One analysis row per stitch when the sweep asks for analyses: made-up values derived from the task result.
        var analyses = spec.Analyses.Count == 0 ? [] : tasks.Zip(results, (t, r) => new AnalysisResult(r.Variant, r.SenderArch, r.SenderSeed, r.SenderLayer,
            r.ReceiverArch, r.ReceiverSeed, r.ReceiverLayer, r.StitchSeed) { TaskAccuracy = r.Accuracy, CopyAccuracy = r.Accuracy - 0.1, Cka = 0.5 }).ToList();
        return new StitchJobResult(results, analyses);
    }

    private async Task<StitchResult> TrainOneAsync(SweepSpec spec, StitchTask task, string checkpointDirectory, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(checkpointDirectory, "models", task.Sender.Key + ".bin"))) throw new FileNotFoundException("sender checkpoint missing");
        Stitches.Add(task.Id);
        await Task.Delay(delay ?? TimeSpan.Zero, ct);
        Directory.CreateDirectory(Path.Combine(checkpointDirectory, "stitches"));
        await File.WriteAllBytesAsync(Path.Combine(checkpointDirectory, "stitches", task.Id + ".bin"), [4, 5, 6], ct);
        var accuracy = 0.5 + task.SenderLayer.Length / 100.0;
        return new StitchResult(task.Variant.Name(), task.Sender.Arch, task.SenderLayer, task.Receiver.Arch, task.ReceiverLayer,
            task.Shape.KindName, task.Shape.Parameters, spec.Stitch.Epochs, 1000, accuracy, 1.0, 0.01,
            task.Sender.Seed, task.Receiver.Seed, task.StitchSeed,
            Curve: [new CurvePoint(0, 2.3, 0.1), new CurvePoint(0.5, 1.4, accuracy - 0.1), new CurvePoint(1, 1.0, accuracy)]);
    }
}
