using Stitching.Core.Contracts;
using Stitching.Core.Results;
using Stitching.Core.Sweeps;

namespace Stitching.Core.Jobs;

/// <summary>
/// The seam to the training engine. Checkpoints live under <c>checkpointDirectory</c>:
/// <c>models/{ModelSpec.Key}.bin</c> plus <c>.json</c> metadata, which <see cref="TrainModelAsync"/> writes and
/// <see cref="TrainStitchAsync"/> reads (the worker has downloaded both models first); a stitch may save
/// <c>stitches/{StitchTask.Id}.bin</c>, which the worker uploads. Cancellation means the job's queue lock was lost
/// or the runner is stopping: stop promptly and throw <see cref="OperationCanceledException"/>.
/// </summary>
public interface IJobExecutor
{
    Task<ModelResult> TrainModelAsync(ModelSpec model, string checkpointDirectory, CancellationToken ct);

    Task<StitchResult> TrainStitchAsync(SweepSpec spec, StitchTask task, string checkpointDirectory, CancellationToken ct);
}
