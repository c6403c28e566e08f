using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Jobs;

/// <summary>
/// What a job processor tells the sweep's coordinator: a model is trained (send the stitch jobs it unlocks), or a
/// model job failed for good (fail the stitch jobs that need it). A local sweep queues its stitch jobs itself once
/// its models exist, so its fan-out has nothing to send.
/// </summary>
public interface ISweepFanOut
{
    Task<int> OnModelDoneAsync(string sweepId, CancellationToken cancellationToken = default);
    Task<int> FailDependentsAsync(string sweepId, ModelSpec model, string error, CancellationToken cancellationToken = default);
}
