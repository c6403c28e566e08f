namespace Stitching.Domain.Contracts;

/// <summary>
/// Progress of a sweep: job counts by state, <see cref="Progress"/> = finished jobs / all jobs in [0, 1]; its tags and
/// description as submitted, and <see cref="Warnings"/> about what its results can mean (<see cref="Results.NearChance"/>).
/// </summary>
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
    IReadOnlyList<JobFailure> Failures)
{
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? Description { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
