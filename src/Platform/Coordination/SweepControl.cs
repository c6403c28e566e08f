using Microsoft.Extensions.Logging;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Coordination;

/// <summary>What a user does to a running sweep: cancel it (and the settling of its rows after), retry its failed or cancelled jobs.</summary>
public sealed class SweepControl(StitchingStorage storage, SweepFanOut fanOut, ILogger logger)
{
    /// <summary>
    /// Marks the sweep cancelled and answers: two requests, whatever its size (a row-by-row cancel of a 5,000-job sweep
    /// took half a minute). From then on its queued jobs count as cancelled (<see cref="GetStatusAsync"/>), fan-out sends
    /// none, a runner skips any message of it it receives and marks that row Cancelled, and the recovery pass marks
    /// the remaining rows (<see cref="SettleCancelledAsync"/>). Running jobs stop at their next lock renewal.
    /// </summary>
    public async Task<bool> CancelAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        if (await storage.GetSweepAsync(sweepId, cancellationToken) is null) return false;
        await storage.SetSweepStateAsync(sweepId, SweepState.Cancelled, cancellationToken);
        logger.LogInformation("Sweep {SweepId} cancelled", sweepId);
        return true;
    }

    /// <summary>
    /// Marks a cancelled sweep's queued rows, and running rows whose runner's lease ran out, Cancelled, in batched
    /// ETag-conditional transactions (a row a worker claimed meanwhile is left to that worker, which stops at its next
    /// renewal). True when every row is finished, so the sweep needs no more recovery.
    /// </summary>
    public async Task<bool> SettleCancelledAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        var open = new List<JobRow>();
        var running = 0;
        await foreach (var job in storage.ListJobsAsync(sweepId, cancellationToken))
        {
            if (job.State == JobState.Queued || job.State == JobState.Running && job.LeaseUntil < now)
                open.Add(job with { State = JobState.Cancelled, ClaimedBy = null, LeaseUntil = null });
            else if (job.State == JobState.Running) running++;
        }
        var stored = await storage.TryUpdateJobsAsync(open, cancellationToken);
        return running == 0 && stored.Count == open.Count;
    }

    /// <summary>
    /// The job states a retry takes, from "failed", "cancelled" or both comma-separated (the API's <c>include</c>, the
    /// CLI's <c>--include</c>); null when the text names anything else or nothing.
    /// </summary>
    public static IReadOnlySet<JobState>? ParseRetryStates(string text)
    {
        var states = new HashSet<JobState>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "failed") states.Add(JobState.Failed);
            else if (part == "cancelled") states.Add(JobState.Cancelled);
            else return null;
        }
        return states.Count == 0 ? null : states;
    }

    /// <summary>
    /// Puts a sweep's failed (and, when asked, cancelled) jobs back on the queue, keeping every finished result: a
    /// stitch job resumes from its stored rows, a model job retrains, and stitches that failed with their model wait
    /// for it again. Attempts and the last error stay on each row until it runs. Null when the sweep does not exist.
    /// </summary>
    public async Task<SweepRetry?> RetryAsync(string sweepId, IReadOnlySet<JobState> include, CancellationToken cancellationToken = default)
    {
        if (include.Count == 0 || include.Any(s => s is not (JobState.Failed or JobState.Cancelled)))
            throw new ArgumentException("Only failed and cancelled jobs can be retried.", nameof(include));
        var sweep = await storage.GetSweepAsync(sweepId, cancellationToken);
        if (sweep is null) return null;
        if (sweep.State == SweepState.Planning)
            return new SweepRetry(sweepId, 0, [], "Nothing retried: the sweep is still being planned; its jobs have not all been written yet.");
        if (sweep.State == SweepState.Cancelled)
            return new SweepRetry(sweepId, 0, [], "Nothing retried: the sweep was cancelled. Submit it again to run it.");

        // Back in the recovery pass's index before and after the rows change: before, so a retry that dies halfway is
        // still recovered; after, so a pass that saw every row finished just before cannot take the sweep out for good.
        await storage.MarkActiveAsync(sweepId, sweep.CreatedAt, cancellationToken);
        var requeued = new List<string>();
        await foreach (var job in storage.ListJobsAsync(sweepId, cancellationToken))
        {
            if (!include.Contains(job.State)) continue;
            // A conflict means the row changed meanwhile (a late worker, another retry): left as it now is.
            // A new retry generation: on Service Bus a new message id, which duplicate detection does not drop (ServiceBusJobQueue.MessageId).
            var retried = job with { Message = job.Message with { Retries = job.Message.Retries + 1, Deferrals = 0 }, State = JobState.Queued, Sent = false, SendingUntil = null, ClaimedBy = null, LeaseUntil = null };
            if (await storage.TryUpdateJobAsync(retried, cancellationToken) is not null)
                requeued.Add(job.JobId);
        }
        if (requeued.Count > 0) await storage.MarkActiveAsync(sweepId, sweep.CreatedAt, cancellationToken);
        if (requeued.Count == 0)
            return new SweepRetry(sweepId, 0, [], $"Nothing retried: no job is {string.Join(" or ", include.Select(s => s.ToString().ToLowerInvariant()))}.");
        var sent = await fanOut.FanOutAsync(sweepId, cancellationToken);
        logger.LogInformation("Sweep {SweepId}: {Count} jobs re-queued, {Sent} sent now", sweepId, requeued.Count, sent);
        return new SweepRetry(sweepId, requeued.Count, requeued,
            $"{requeued.Count} job(s) re-queued; {sent} sent now, the rest once the models they need exist.");
    }
}
