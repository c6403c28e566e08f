using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;
using Stitching.Execution;

namespace Stitching.Platform.Coordination;

/// <summary>
/// What the API does with sweeps: submit (validate, store, plan the jobs, fan out), status, cancel. Fan-out sends model jobs
/// first and a stitch job only once both its models are in the models table; a worker calls
/// <see cref="OnModelDoneAsync"/> after each model, which sends the stitches that became ready.
/// Each job is sent once: a fan-out claims a job's row by ETag before sending it and marks it <c>Sent</c> after, so
/// concurrent fan-outs never send the same job; only a sender that dies between sending and marking leaves a duplicate,
/// which Service Bus drops (same message id) and a worker's ETag claim makes a no-op on a Storage queue.
/// </summary>
public sealed class SweepCoordinator(StitchingStorage storage, IJobQueue queue, ILogger<SweepCoordinator>? logger = null) : ISweepFanOut
{
    /// <summary>Messages sent per round trip before the rows are marked sent: bounds what a crash can resend.</summary>
    private const int SendChunk = 500;
    private readonly ILogger _logger = logger ?? NullLogger<SweepCoordinator>.Instance;

    /// <summary>The tables this coordinator keeps its sweeps in (what a submission's idempotency claim is stored beside).</summary>
    public StitchingStorage Storage => storage;

    /// <summary>
    /// Sweeps with at most this many jobs (a few table transactions) are planned within the submit call; bigger ones
    /// (the paper's full experiment has about 1,100) are stored as Planning, so that submission answers at once, and
    /// planned by <see cref="RecoverAsync"/> (the Function app's timer): nothing runs after an HTTP answer on Flex Consumption.
    /// </summary>
    public int InlinePlanningLimit { get; init; } = 256;

    /// <summary>How long a small sweep may stay Planning before <see cref="RecoverAsync"/> takes its planning over (its submitter died).</summary>
    public TimeSpan PlanningTakeover { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// How long a fan-out's claim on the rows it is sending holds off other fan-outs: far longer than sending one chunk
    /// takes, so a live sender's rows are never sent twice; a dead sender's are sent by the first fan-out after it.
    /// </summary>
    public TimeSpan SendClaim { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a job may stay Running after its lease ran out before <see cref="RecoverAsync"/> sends it again. Its
    /// message comes back by itself (the dead runner's queue lock runs out; the runner that receives it defers one copy
    /// to the lease's end), so a re-send at the lease's end was a second copy, and a second GPU execution; this only
    /// covers a message the queue lost (expired, say), with room for a cold runner start.
    /// </summary>
    public TimeSpan LostMessageGrace { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Dead letters <see cref="RecoverAsync"/> records per pass at most; the rest wait for the next pass.</summary>
    public int DeadLettersPerPass { get; init; } = 1000;

    /// <summary>The spec validated and planned, or the errors that stop it: what submission and a dry run both start from.</summary>
    public static (SweepPlan? Plan, IReadOnlyList<ValidationError> Errors) Plan(SweepSpec spec)
    {
        var errors = SweepSpecValidator.Validate(spec);
        if (errors.Count > 0) return (null, errors);
        try
        {
            return (SweepPlan.Create(spec), []);
        }
        catch (IncompatibleShapesException e)
        {
            return (null, [new ValidationError("senderLayers", e.Message)]);
        }
    }

    public async Task<SweepSubmission> SubmitAsync(SweepSpec spec, CancellationToken cancellationToken = default)
    {
        var (planned, errors) = Plan(spec);
        return new SweepSubmission(planned is { } plan ? await SubmitAsync(plan, cancellationToken) : null, errors);
    }

    /// <summary>Stores and queues a plan from <see cref="Plan"/>, for a caller that looked at it first (the API's limits).</summary>
    public async Task<SweepRecord> SubmitAsync(SweepPlan plan, CancellationToken cancellationToken = default)
    {
        var spec = plan.Spec;
        var id = StorageIds.NewSweepId();
        using var activity = StitchingTelemetry.StartSweep("Submit sweep", id);
        var (models, stitches) = Jobs(id, plan);
        var sweep = new SweepRecord(id, spec.Name, spec, DateTimeOffset.UtcNow, SweepState.Planning, models.Count, stitches.Count, plan.Stitches.Count());
        // The row first, as Planning: if this process dies before the jobs are written, the recovery timer finishes the planning.
        await storage.AddSweepAsync(sweep, cancellationToken);
        _logger.LogInformation("Sweep {SweepId} submitted: {Models} model jobs, {Stitches} stitches in {StitchJobs} jobs", id, models.Count, sweep.Stitches, stitches.Count);
        if (sweep.TotalJobs <= InlinePlanningLimit)
        {
            await WriteJobsAndActivateAsync(id, models, stitches, cancellationToken);
            return sweep with { State = SweepState.Active };
        }
        _logger.LogInformation("Sweep {SweepId}: {Jobs} jobs, planned by the next recovery pass", id, sweep.TotalJobs);
        return sweep;
    }

    /// <summary>
    /// Writes the job rows of a Planning sweep (again, if a previous pass died), makes it Active and fans out.
    /// A sweep cancelled meanwhile stays cancelled, and the rows just written are cancelled too.
    /// </summary>
    public async Task PlanAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var sweep = await storage.GetSweepAsync(sweepId, cancellationToken);
        if (sweep is not { State: SweepState.Planning }) return;
        using var activity = StitchingTelemetry.StartSweep("Plan sweep", sweepId);
        var (models, stitches) = Jobs(sweepId, SweepPlan.Create(sweep.Spec));
        await WriteJobsAndActivateAsync(sweepId, models, stitches, cancellationToken);
    }

    /// <summary>The jobs of a sweep known to be (or to have been) Planning; the submitter passes the ones it already built.</summary>
    private async Task WriteJobsAndActivateAsync(string sweepId, List<JobMessage> models, List<JobMessage> stitches, CancellationToken cancellationToken)
    {
        await storage.AddJobsAsync(models.Concat(stitches), cancellationToken);
        if (await storage.TryActivateSweepAsync(sweepId, cancellationToken)) await FanOutAsync(sweepId, cancellationToken);
        else if ((await storage.GetSweepAsync(sweepId, cancellationToken))?.State == SweepState.Cancelled) await SettleCancelledAsync(sweepId, cancellationToken);
    }

    /// <summary>The sweep's job messages, carrying the current trace (submission or planning) for the runners to join.</summary>
    private static (List<JobMessage> Models, List<JobMessage> Stitches) Jobs(string sweepId, SweepPlan plan)
    {
        var trace = Activity.Current?.Id;
        return (plan.Models.Select(m => JobMessage.ForModel(sweepId, m) with { TraceParent = trace }).ToList(),
            plan.StitchJobs.Select(g => JobMessage.ForStitches(sweepId, g) with { TraceParent = trace }).ToList());
    }

    /// <summary>
    /// Sends every queued, unsent job whose inputs exist, each once however many fan-outs run at the same time (runners
    /// after each model, the timer, a retry): a chunk's rows are claimed by ETag (<see cref="JobRow.SendingUntil"/>) before
    /// its messages go out, and only the claimed ones are sent. A claim whose sender died before marking its rows Sent
    /// expires after <see cref="SendClaim"/>, and the next fan-out sends them. Safe to call again at any time.
    /// </summary>
    public async Task<int> FanOutAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var sweep = await storage.GetSweepAsync(sweepId, cancellationToken);
        if (sweep is null || sweep.State == SweepState.Cancelled) return 0;

        var now = DateTimeOffset.UtcNow;
        var pending = new List<JobRow>();
        await foreach (var job in storage.ListJobsAsync(sweepId, cancellationToken))
            if (job.IsSendable(now)) pending.Add(job);

        var ready = new Dictionary<string, bool>();
        async Task<bool> Ready(ModelSpec m) =>
            ready.TryGetValue(m.Key, out var r) ? r : ready[m.Key] = await storage.GetModelAsync(m.Key, cancellationToken) is not null;

        var toSend = pending.Where(j => j.Kind == JobKind.Model).ToList();
        foreach (var j in pending.Where(j => j.Kind == JobKind.Stitch))
            if (await Ready(j.Message.Stitches!.Sender) && await Ready(j.Message.Stitches.Receiver)) toSend.Add(j);

        var sent = 0;
        foreach (var chunk in toSend.Chunk(SendChunk))
        {
            // The claim is taken just before the chunk goes out, so SendClaim bounds one chunk's sending, not the whole fan-out's.
            var until = DateTimeOffset.UtcNow + SendClaim;
            var claimed = await storage.TryUpdateJobsAsync(chunk.Select(j => j with { SendingUntil = until }).ToList(), cancellationToken);
            if (claimed.Count == 0) continue;
            await queue.SendBatchAsync(claimed.Select(j => j.Message), cancellationToken);
            await storage.MarkSentAsync(sweepId, claimed.Select(j => j.JobId), cancellationToken);
            sent += claimed.Count;
        }
        if (sent > 0) _logger.LogInformation("Sweep {SweepId}: sent {Count} jobs", sweepId, sent);
        return sent;
    }

    /// <summary>Called by a worker once a model's checkpoint and row are stored.</summary>
    public Task<int> OnModelDoneAsync(string sweepId, CancellationToken cancellationToken = default) => FanOutAsync(sweepId, cancellationToken);

    /// <summary>
    /// Marks this sweep's queued stitches that need <paramref name="model"/> Failed, since they can never run:
    /// a dead-lettered model job would otherwise leave them Queued forever.
    /// </summary>
    public async Task<int> FailDependentsAsync(string sweepId, ModelSpec model, string error, CancellationToken cancellationToken = default)
    {
        var failed = 0;
        await foreach (var job in storage.ListJobsAsync(sweepId, cancellationToken))
            if (job is { Kind: JobKind.Stitch, State: JobState.Queued } && (job.Message.Stitches!.Sender.Key == model.Key || job.Message.Stitches.Receiver.Key == model.Key)
                && await storage.TryUpdateJobAsync(job with { State = JobState.Failed, Error = $"model {model.Key} failed: {error}" }, cancellationToken) is not null)
                failed++;
        if (failed > 0) _logger.LogWarning("Sweep {SweepId}: {Count} stitches failed with model {ModelKey}", sweepId, failed, model.Key);
        return failed;
    }

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
                if (await SettleCancelledAsync(sweep.Id, cancellationToken)) await storage.RemoveActiveAsync(sweepId, etag, cancellationToken);
                continue;
            }
            if (sweep.State == SweepState.Planning)
            {
                if (sweep.TotalJobs > InlinePlanningLimit || now - sweep.CreatedAt > PlanningTakeover)
                {
                    _logger.LogInformation("Sweep {SweepId}: planning {Jobs} jobs", sweep.Id, sweep.TotalJobs);
                    await PlanAsync(sweep.Id, cancellationToken);
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
            if (unsent) sent += await FanOutAsync(sweep.Id, cancellationToken);
            // Done, Failed and Cancelled rows change only by a retry, which puts the sweep back in the index.
            if (open == 0 && rows >= sweep.TotalJobs) await storage.RemoveActiveAsync(sweepId, etag, cancellationToken);
        }
        foreach (var chunk in resent.Chunk(SendChunk)) await queue.SendBatchAsync(chunk, cancellationToken);
        if (resent.Count > 0) _logger.LogWarning("Re-sent {Count} jobs whose runner's lease expired", resent.Count);
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
                    _logger.LogWarning("Dropping an unreadable dead letter ({Reason}): {Body}", letter.Reason, letter.Body.Length <= 300 ? letter.Body : letter.Body[..300]);
                else if (await storage.UpdateJobAsync(m.SweepId, m.JobId, j => j.DeadLettered(letter.Reason, error), cancellationToken) is not null)
                {
                    recorded++;
                    _logger.LogWarning("Job {JobId} of sweep {SweepId} dead-lettered: {Error}", m.JobId, m.SweepId, error);
                    if (m is { Kind: JobKind.Model, Model: { } model }) await FailDependentsAsync(m.SweepId, model, error, cancellationToken);
                }
                await letter.RemoveAsync(cancellationToken);
            }
        }
        return recorded;
    }

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
        _logger.LogInformation("Sweep {SweepId} cancelled", sweepId);
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
        var sent = await FanOutAsync(sweepId, cancellationToken);
        _logger.LogInformation("Sweep {SweepId}: {Count} jobs re-queued, {Sent} sent now", sweepId, requeued.Count, sent);
        return new SweepRetry(sweepId, requeued.Count, requeued,
            $"{requeued.Count} job(s) re-queued; {sent} sent now, the rest once the models they need exist.");
    }
}
