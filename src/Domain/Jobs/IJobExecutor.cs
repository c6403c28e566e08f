using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Jobs;

/// <summary>
/// The seam to the training engine. Checkpoints live under <c>checkpointDirectory</c>:
/// <c>models/{ModelSpec.Key}.bin</c> plus <c>.json</c> metadata, which <see cref="TrainModelAsync"/> writes and
/// <see cref="TrainStitchesAsync"/> reads (the worker has downloaded both models first); a stitch may save
/// <c>stitches/{StitchTask.Id}.bin</c>, which the worker uploads. Both save their training progress at epoch ends under
/// <c>progress/{progressId}.bin</c> and resume from a file found there (the worker uploads it while they train and downloads
/// an earlier delivery's first: <see cref="CheckpointFiles.ProgressFile(string, string)"/>). Cancellation means the job's queue lock was lost
/// or the runner is stopping: stop promptly and throw <see cref="OperationCanceledException"/>.
/// </summary>
public interface IJobExecutor
{
    Task<ModelResult> TrainModelAsync(ModelSpec model, string checkpointDirectory, CancellationToken ct);

    /// <summary>
    /// Trains stitches that share receiver model, receiver layer and stitch seed (the engine trains them in one loop) and
    /// runs the spec's analyses on them; returns their results, and analysis rows when analyses were asked, in the order of <paramref name="tasks"/>.
    /// </summary>
    Task<StitchJobResult> TrainStitchesAsync(SweepSpec spec, IReadOnlyList<StitchTask> tasks, string checkpointDirectory, CancellationToken ct);

    /// <summary>The provenance whose id the executor put on a result it returned; null when it records none (test fakes).</summary>
    Provenance? FindProvenance(string provenanceId) => null;
}
