using Microsoft.Extensions.Logging;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Coordination;

/// <summary>
/// The recovery pass and what it needs: planning left to the timer, dead letters recorded, lost messages re-sent, ready
/// jobs sent, finished sweeps taken out of the index of unfinished ones.
/// </summary>
public sealed class SweepRecovery(StitchingStorage storage, IJobQueue queue, SweepCoordinator submission, SweepFanOut fanOut, SweepControl control, ILogger logger)
{
    /// <summary>How long a small sweep may stay Planning before <see cref="RecoverAsync"/> takes its planning over (its submitter died).</summary>
    public TimeSpan PlanningTakeover { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a job may stay Running after its lease ran out before <see cref="RecoverAsync"/> sends it again. Its
    /// message comes back by itself (the dead runner's queue lock runs out; the runner that receives it defers one copy
    /// to the lease's end), so a re-send at the lease's end was a second copy, and a second GPU execution; this only
    /// covers a message the queue lost (expired, say), with room for a cold runner start.
    /// </summary>
    public TimeSpan LostMessageGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Dead letters <see cref="RecoverAsync"/> records per pass at most; the rest wait for the next pass.</summary>
    public int DeadLettersPerPass { get; set; } = 1000;

    /// <summary>
    /// The recovery pass, run by the Function app's timer (<c>RecoverSweeps</c>) and offline by the local host's loop,
    /// never by runners (scale-to-zero keeps none idle): records dead-lettered messages as Failed rows with their reason,
    /// plans sweeps left Planning (big ones at once, small ones whose submitter died after <see cref="PlanningTakeover"/>),
    /// re-sends jobs whose runner's lease expired <see cref="LostMessageGrace"/> ago (their message was lost), and sends
    /// jobs whose models are ready but which were never sent. It reads only the sweeps open in the index of unfinished
    /// ones (<see cref="StitchingStorage.ActivePartition"/>), and closes those it finds finished, or cancelled and settled.
    /// Safe to run at any time and twice at once: rows are upserted or changed by ETag, a job runs once whatever copies
    /// of its message exist, and Service Bus drops a re-sent message id.
    /// </summary>
    public async Task<RecoveryReport> RecoverAsync(CancellationToken cancellationToken = default)
    {
        var deadLetters = await ReconcileDeadLettersAsync(cancellationToken);
        await storage.BuildActiveIndexOnceAsync(cancellationToken);
        var now = DateTimeOffset.UtcNow;
        int planned = 0, sent = 0;
        var resent = new List<JobMessage>();
        // Only the index of unfinished sweeps: a finished or cancelled sweep leaves it below, so a pass costs O(active sweeps).
        var active = await storage.ListActiveSweepsAsync(cancellationToken).ToListAsync(cancellationToken);
        foreach (var (sweepId, createdAt, etag) in active)
        {
            var sweep = await storage.GetSweepAsync(sweepId, cancellationToken);
            if (sweep is null)
            {
                // Its submitter died between the index row and the sweep row (or is between them right now).
                if (now - createdAt > PlanningTakeover) await storage.RemoveActiveAsync(sweepId, etag, cancellationToken);
                continue;
            }
            if (sweep.State == SweepState.Cancelled)
            {
                if (await control.SettleCancelledAsync(sweep.Id, cancellationToken)) await storage.RemoveActiveAsync(sweepId, etag, cancellationToken);
                continue;
            }
            if (sweep.State == SweepState.Planning)
            {
                if (sweep.TotalJobs > submission.InlinePlanningLimit || now - sweep.CreatedAt > PlanningTakeover)
                {
                    logger.LogInformation("Sweep {SweepId}: planning {Jobs} jobs", sweep.Id, sweep.TotalJobs);
                    await submission.PlanAsync(sweep.Id, cancellationToken);
                    planned++;
                }
                continue;
            }
            var unsent = false;
            int rows = 0, open = 0;
            await foreach (var job in storage.ListJobsAsync(sweep.Id, cancellationToken))
            {
                rows++;
                if (job.State == JobState.Running && job.LeaseUntil + LostMessageGrace < now
                    && await storage.TryUpdateJobAsync(job with { State = JobState.Queued, ClaimedBy = null, LeaseUntil = null }, cancellationToken) is not null)
                    resent.Add(job.Message);
                unsent |= job.IsSendable(now);
                if (!job.IsFinished) open++;
            }
            // A model finished by another sweep, or a fan-out cut short by a dying runner, leaves ready jobs unsent.
            if (unsent) sent += await fanOut.FanOutAsync(sweep.Id, cancellationToken);
            // Done, Failed and Cancelled rows change only by a retry, which puts the sweep back in the index.
            if (open == 0 && rows >= sweep.TotalJobs) await storage.RemoveActiveAsync(sweepId, etag, cancellationToken);
        }
        foreach (var chunk in resent.Chunk(SweepFanOut.SendChunk)) await queue.SendBatchAsync(chunk, cancellationToken);
        if (resent.Count > 0) logger.LogWarning("Re-sent {Count} jobs whose runner's lease expired", resent.Count);
        return new RecoveryReport(deadLetters, planned, resent.Count, sent);
    }

    /// <summary>
    /// Turns dead-lettered messages into Failed job rows with the dead-letter reason, then removes them from the
    /// dead-letter queue (the row keeps the job's message, so nothing is lost). Covers what Service Bus dead-letters on
    /// its own (MaxDeliveryCountExceeded: runners that died on it) and a runner that died between dead-lettering and
    /// recording. A model's failure fails the stitches that need it. Returns the rows changed.
    /// </summary>
    public async Task<int> ReconcileDeadLettersAsync(CancellationToken cancellationToken = default)
    {
        int seen = 0, recorded = 0;
        while (seen < DeadLettersPerPass)
        {
            var batch = await queue.ReceiveDeadLettersAsync(32, cancellationToken);
            if (batch.Count == 0) break;
            foreach (var letter in batch)
            {
                seen++;
                var error = $"{letter.Reason}: {letter.Description}";
                if (letter.Message is not { } m)
                    logger.LogWarning("Dropping an unreadable dead letter ({Reason}): {Body}", letter.Reason, letter.Body.Length <= 300 ? letter.Body : letter.Body[..300]);
                else if (await storage.UpdateJobAsync(m.SweepId, m.JobId, j => j.DeadLettered(letter.Reason, error), cancellationToken) is not null)
                {
                    recorded++;
                    logger.LogWarning("Job {JobId} of sweep {SweepId} dead-lettered: {Error}", m.JobId, m.SweepId, error);
                    if (m is { Kind: JobKind.Model, Model: { } model }) await fanOut.FailDependentsAsync(m.SweepId, model, error, cancellationToken);
                }
                await letter.RemoveAsync(cancellationToken);
            }
        }
        return recorded;
    }

}
