using Stitching.Domain.Datasets;
using Azure;
using Stitching.Domain.Contracts;

namespace Stitching.Platform.Storage;

/// <summary>
/// A row of the jobs table (PK sweepId, RK jobId). <see cref="ETag"/> makes every state change a compare-and-swap,
/// which is how two workers holding copies of one message decide who runs it.
/// </summary>
public sealed record JobRow(
    JobMessage Message,
    JobState State,
    int Attempts,
    bool Sent,
    string? Error = null,
    string? ClaimedBy = null,
    DateTimeOffset? LeaseUntil = null,
    ETag ETag = default)
{
    public string SweepId => Message.SweepId;
    public string JobId => Message.JobId;
    public string Kind => Message.Kind;
    public bool IsFinished => State is JobState.Done or JobState.Failed or JobState.Cancelled;
}
