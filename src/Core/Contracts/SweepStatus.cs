namespace Stitching.Core.Contracts;

/// <summary>Progress of a sweep: job counts by state, <see cref="Progress"/> = finished jobs / all jobs in [0, 1].</summary>
public sealed record SweepStatus(
    string SweepId,
    string? Name,
    SweepState State,
    DateTimeOffset CreatedAt,
    int Total,
    int Queued,
    int Running,
    int Done,
    int Failed,
    int Cancelled,
    double Progress,
    bool Finished,
    IReadOnlyList<JobFailure> Failures);
