using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;

namespace Stitching.Engine.Sweeps;

/// <summary>
/// The executor of a local sweep's jobs: the engine the CLI built (its data, model cache and device), the stitch jobs run
/// by <see cref="StitchGroupJob.RunAndSave"/> as on a queue worker. Runs on the caller's thread (one job at a time, as a
/// runner does) and reports each receiver layer to the sweep's progress: its label before it trains, its count after.
/// </summary>
public sealed class LocalJobExecutor(StitchEngine engine, StitchGroupJob stitches, IProgress<SweepProgress>? progress, int done, int total) : IJobExecutor
{
    private int _done = done;

    public Provenance? FindProvenance(string provenanceId) => EngineProvenance.Find(provenanceId);

    public Task<ModelResult> TrainModelAsync(ModelSpec model, string checkpointDirectory, CancellationToken ct) =>
        // The engine's own model cache (--models-dir), not the checkpoint directory: local models are shared by every local sweep.
        Task.FromResult(engine.Model(model, ct).Info.ToResult());

    public Task<StitchJobResult> TrainStitchesAsync(SweepSpec spec, IReadOnlyList<StitchTask> tasks, string checkpointDirectory, CancellationToken ct)
    {
        var first = tasks[0];
        var label = $"{first.Variant.Name()} {first.Receiver.Arch} layer {first.ReceiverLayer} <- {tasks.Count} stitches";
        progress?.Report(new SweepProgress(_done, total, label));
        var result = stitches.RunAndSave(spec, tasks, checkpointDirectory, ct);
        _done += tasks.Count;
        progress?.Report(new SweepProgress(_done, total, label));
        return Task.FromResult(result);
    }
}
