using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Interop;
using Stitching.Engine.Research;
using Stitching.Engine.Stitches;
using Stitching.Reporting.Tables;

namespace Stitching.Engine.Sweeps;

/// <summary>
/// The one executor of a stitch-group job (a <see cref="StitchGroup"/>'s tasks, or the part of them still missing),
/// behind both executors a job processor runs: a local sweep's (<see cref="LocalJobExecutor"/>) and the queue worker's
/// (the runner's EngineJobExecutor), through <see cref="RunAndSave"/>: trains the task stitches one receiver layer at a time on the engine and runs
/// the spec's analyses on them (<see cref="CellAnalyses"/>). Lives as long as its engine: cached activations,
/// baselines and CKA Grams are reused by the next job. A new sender starts from an empty activation cache, so a
/// long-lived runner does not fill its budget with senders it will not see again.
/// </summary>
public sealed class StitchGroupJob(StitchEngine engine) : IDisposable
{
    private CellAnalyses? _analyses;
    private string? _sender;

    /// <summary>Test images used for CKA (the first ones of the test split).</summary>
    public int CkaImages { get; init; } = 1000;

    /// <summary>
    /// Trains <paramref name="tasks"/> (all of one job: same variant, sender, receiver and stitch seed) and analyses them;
    /// the caller saves or disposes the returned stitches. <paramref name="progressFile"/> names, for a receiver layer's first
    /// task, where that layer's training state is saved at epoch ends and resumed from (null: nothing is saved).
    /// </summary>
    public TrainedStitches Run(SweepSpec spec, IReadOnlyList<StitchTask> tasks, Func<StitchTask, string>? progressFile = null, CancellationToken cancellationToken = default)
    {
        engine.RefuseChanceModels = !spec.AllowChanceModels; // the spec's rule, for the models this job loads
        if (_sender != tasks[0].Sender.Key) engine.ClearActivations();
        _sender = tasks[0].Sender.Key;
        var analyses = Analyses.Resolve(spec.Analyses);
        var results = new List<StitchResult>();
        var rows = new List<AnalysisResult>();
        var stitches = new List<(StitchTask, Stitch)>();
        try
        {
            foreach (var layer in StitchEngine.Groups(tasks))
            {
                var trained = engine.TrainGroup(layer, spec.Stitch, progressFile: progressFile?.Invoke(layer[0]), cancellationToken: cancellationToken);
                stitches.AddRange(layer.Zip(trained, (t, r) => (t, r.Stitch)));
                results.AddRange(trained.Select(r => r.Result));
                if (analyses.Count == 0) continue;
                _analyses ??= new CellAnalyses(engine, CkaImages);
                rows.AddRange(_analyses.Run(layer, trained.Select(r => r.Result).ToList(), trained.Select(r => r.Stitch).ToList(), spec.Stitch, analyses, cancellationToken));
            }
        }
        catch
        {
            foreach (var (_, stitch) in stitches) stitch.Dispose();
            throw;
        }
        // StitchEngine.Groups keeps the tasks' order within a layer; results follow the order of the tasks.
        var order = tasks.Select((t, k) => (t.Id, k)).ToDictionary(p => p.Id, p => p.k);
        var sorted = stitches.Select((s, k) => (Index: order[s.Item1.Id], k)).OrderBy(p => p.Index).Select(p => p.k).ToList();
        return new TrainedStitches(
            new StitchJobResult(sorted.Select(k => results[k]).ToList(), rows.Count == 0 ? [] : sorted.Select(k => rows[k]).ToList()),
            sorted.Select(k => stitches[k]).ToList());
    }

    /// <summary>
    /// What a job processor's executor does with a stitch job: <see cref="Run"/> with the group's progress saved under
    /// <paramref name="checkpointDirectory"/> (<see cref="CheckpointFiles.ProgressFile"/>), and each trained stitch written
    /// where the processor stores it from (<see cref="CheckpointFiles.StitchFile"/>), as safetensors with the layers and
    /// models it joins, so a stitch loads in PyTorch wherever it was trained.
    /// </summary>
    public StitchJobResult RunAndSave(SweepSpec spec, IReadOnlyList<StitchTask> tasks, string checkpointDirectory, CancellationToken cancellationToken = default)
    {
        using var trained = Run(spec, tasks, t => CheckpointFiles.ProgressFile(checkpointDirectory, t), cancellationToken);
        foreach (var (task, stitch) in trained.Stitches) TorchExport.WriteStitch(CheckpointFiles.StitchFile(checkpointDirectory, task), stitch, task);
        return trained.Result;
    }

    public void Dispose() => _analyses?.Dispose();
}
