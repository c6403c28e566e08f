using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;

namespace Stitching.Domain.Jobs;

/// <summary>
/// A row of the jobs table (PK sweepId, RK jobId). <see cref="ETag"/> (the store's opaque version of the row) makes every state change a compare-and-swap,
/// which is how two workers holding copies of one message decide who runs it, and how two fan-outs decide who sends it:
/// <see cref="SendingUntil"/> is a sender's claim on a Queued, unsent row, taken by ETag before its message is sent.
/// </summary>
public sealed record JobRow(
    JobMessage Message,
    JobState State,
    int Attempts,
    bool Sent,
    string? Error = null,
    string? ClaimedBy = null,
    DateTimeOffset? LeaseUntil = null,
    string? ETag = null,
    DateTimeOffset? SendingUntil = null)
{
    public string SweepId => Message.SweepId;
    public string JobId => Message.JobId;
    public string Kind => Message.Kind;
    public bool IsFinished => State is JobState.Done or JobState.Failed or JobState.Cancelled;

    /// <summary>The dead-letter reason of a job deferred too often (the queue options' MaxDeferrals).</summary>
    public const string DeferralLimitExceeded = "DeferralLimitExceeded";

    /// <summary>
    /// The row a dead letter of this job leaves, or null to leave it as it is. Finished rows stay; a deferral-limit dead
    /// letter fails only a Queued row: a Running one belongs to the worker that claimed it (or, if that one died, to the
    /// timer's re-send), and the dead-lettered message was a surplus copy.
    /// </summary>
    public JobRow? DeadLettered(string reason, string error) =>
        IsFinished || reason == DeferralLimitExceeded && State != JobState.Queued ? null
            : this with { State = JobState.Failed, Error = error, ClaimedBy = null, LeaseUntil = null };
    /// <summary>Queued, never sent, and no live sender's claim on it: what a fan-out may claim and send.</summary>
    public bool IsSendable(DateTimeOffset now) => State == JobState.Queued && !Sent && !(SendingUntil > now);
}
