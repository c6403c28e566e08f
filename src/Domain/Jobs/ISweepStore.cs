using Stitching.Domain.Contracts;
using Stitching.Domain.Results;

namespace Stitching.Domain.Jobs;

/// <summary>
/// The records a job processor reads and writes while it runs a sweep's jobs: the sweep, its job rows (changed by
/// compare-and-swap on <see cref="JobRow.ETag"/>, which is how two holders of one job decide who runs it), the shared
/// models, and each stitch's result, analysis and provenance. The platform keeps them in Table storage; a local sweep
/// keeps them in its output folder. A stored result means its stitch is finished: analyses are stored before it.
/// </summary>
public interface ISweepStore
{
    Task<SweepRecord?> GetSweepAsync(string sweepId, CancellationToken cancellationToken = default);
    Task<JobRow?> GetJobAsync(string sweepId, string jobId, CancellationToken cancellationToken = default);

    /// <summary>Stores <paramref name="row"/> if the stored row still has its <see cref="JobRow.ETag"/>; null when another writer changed it first.</summary>
    Task<JobRow?> TryUpdateJobAsync(JobRow row, CancellationToken cancellationToken = default);

    /// <summary>Read-modify-write until it sticks: <paramref name="change"/> sees the current row and returns the new one, or null to leave it.</summary>
    Task<JobRow?> UpdateJobAsync(string sweepId, string jobId, Func<JobRow, JobRow?> change, CancellationToken cancellationToken = default);

    Task<ModelResult?> GetModelAsync(string modelKey, CancellationToken cancellationToken = default);
    Task UpsertModelAsync(string modelKey, ModelResult model, CancellationToken cancellationToken = default);
    Task<bool> HasResultAsync(string sweepId, string stitchId, CancellationToken cancellationToken = default);
    Task UpsertResultAsync(string sweepId, StoredResult stored, CancellationToken cancellationToken = default);
    Task UpsertAnalysisAsync(string sweepId, string stitchId, AnalysisResult analysis, CancellationToken cancellationToken = default);
    Task UpsertProvenanceAsync(Provenance provenance, CancellationToken cancellationToken = default);
}
