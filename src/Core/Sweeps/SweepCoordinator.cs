using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Core.Contracts;
using Stitching.Core.Queues;
using Stitching.Core.Stitches;
using Stitching.Core.Storage;

namespace Stitching.Core.Sweeps;

/// <summary>
/// What the API does with sweeps: submit (validate, store, fan out), status, cancel. Fan-out sends model jobs
/// first and a stitch job only once both its models are in the models table; a worker calls
/// <see cref="OnModelDoneAsync"/> after each model, which sends the stitches that became ready.
/// Sending is exactly-once in effect: job ids are deterministic, the jobs table records <c>Sent</c>, Service Bus
/// drops a re-sent message id, and a worker's ETag claim makes any remaining duplicate a no-op.
/// </summary>
public sealed class SweepCoordinator(StitchingStorage storage, IJobQueue queue, ILogger<SweepCoordinator>? logger = null)
{
    /// <summary>Messages sent per round trip before the rows are marked sent: bounds what a crash can resend.</summary>
    private const int SendChunk = 500;
    private readonly ILogger _logger = logger ?? NullLogger<SweepCoordinator>.Instance;

    public async Task<SweepSubmission> SubmitAsync(SweepSpec spec, CancellationToken cancellationToken = default)
    {
        var errors = SweepSpecValidator.Validate(spec);
        if (errors.Count > 0) return new SweepSubmission(null, errors);
        SweepPlan plan;
        try
        {
            plan = SweepPlan.Create(spec);
        }
        catch (IncompatibleShapesException e)
        {
            return new SweepSubmission(null, [new ValidationError("senderLayers", e.Message)]);
        }

        var id = StorageIds.NewSweepId();
        var models = plan.Models.Select(m => JobMessage.ForModel(id, m)).ToList();
        var stitches = plan.Stitches.Select(t => JobMessage.ForStitch(id, t)).DistinctBy(m => m.JobId).ToList();
        var sweep = new SweepRecord(id, spec.Name, spec, DateTimeOffset.UtcNow, SweepState.Active, models.Count, stitches.Count);

        // Jobs before the sweep row: a sweep that is listed always has all its jobs.
        await storage.AddJobsAsync(models.Concat(stitches), cancellationToken);
        await storage.AddSweepAsync(sweep, cancellationToken);
        _logger.LogInformation("Sweep {SweepId} submitted: {Models} models, {Stitches} stitches", id, models.Count, stitches.Count);
        await FanOutAsync(id, cancellationToken);
        return new SweepSubmission(sweep, []);
    }

    /// <summary>Sends every queued, unsent job whose inputs exist. Safe to call again at any time.</summary>
    public async Task<int> FanOutAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var sweep = await storage.GetSweepAsync(sweepId, cancellationToken);
        if (sweep is null || sweep.State == SweepState.Cancelled) return 0;

        var pending = new List<JobMessage>();
        await foreach (var job in storage.ListJobsAsync(sweepId, cancellationToken))
            if (!job.Sent && job.State == JobState.Queued) pending.Add(job.Message);

        var ready = new Dictionary<string, bool>();
        async Task<bool> Ready(ModelSpec m) =>
            ready.TryGetValue(m.Key, out var r) ? r : ready[m.Key] = await storage.GetModelAsync(m.Key, cancellationToken) is not null;

        var toSend = pending.Where(m => m.Kind == JobKind.Model).ToList();
        foreach (var m in pending.Where(m => m.Kind == JobKind.Stitch))
            if (await Ready(m.Stitch!.Sender) && await Ready(m.Stitch.Receiver)) toSend.Add(m);

        foreach (var chunk in toSend.Chunk(SendChunk))
        {
            await queue.SendBatchAsync(chunk, cancellationToken);
            await storage.MarkSentAsync(sweepId, chunk.Select(m => m.JobId), cancellationToken);
        }
        if (toSend.Count > 0) _logger.LogInformation("Sweep {SweepId}: sent {Count} jobs", sweepId, toSend.Count);
        return toSend.Count;
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
            if (job is { Kind: JobKind.Stitch, State: JobState.Queued } && (job.Message.Stitch!.Sender.Key == model.Key || job.Message.Stitch.Receiver.Key == model.Key)
                && await storage.TryUpdateJobAsync(job with { State = JobState.Failed, Error = $"model {model.Key} failed: {error}" }, cancellationToken) is not null)
                failed++;
        if (failed > 0) _logger.LogWarning("Sweep {SweepId}: {Count} stitches failed with model {ModelKey}", sweepId, failed, model.Key);
        return failed;
    }

    /// <summary>
    /// Re-sends jobs of active sweeps left Running by a runner that died (lease expired, message possibly gone).
    /// Safe with a message still in flight: the claim is by ETag, so a job runs once and extra copies complete as duplicates.
    /// </summary>
    public async Task<int> RequeueExpiredAsync(CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        var resent = new List<JobMessage>();
        await foreach (var sweep in storage.ListSweepsAsync(cancellationToken))
        {
            if (sweep.State == SweepState.Cancelled) continue;
            await foreach (var job in storage.ListJobsAsync(sweep.Id, cancellationToken))
                if (job.State == JobState.Running && job.LeaseUntil < now
                    && await storage.TryUpdateJobAsync(job with { State = JobState.Queued, ClaimedBy = null, LeaseUntil = null }, cancellationToken) is not null)
                    resent.Add(job.Message);
        }
        foreach (var chunk in resent.Chunk(SendChunk)) await queue.SendBatchAsync(chunk, cancellationToken);
        if (resent.Count > 0) _logger.LogWarning("Re-sent {Count} jobs whose runner's lease expired", resent.Count);
        return resent.Count;
    }

    /// <summary>Marks the sweep cancelled and its queued jobs Cancelled; running jobs finish, queued messages are skipped.</summary>
    public async Task<bool> CancelAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        if (await storage.GetSweepAsync(sweepId, cancellationToken) is null) return false;
        await storage.SetSweepStateAsync(sweepId, SweepState.Cancelled, cancellationToken);
        await foreach (var job in storage.ListJobsAsync(sweepId, cancellationToken))
            if (job.State == JobState.Queued)
                // A conflict means a worker just claimed it; that job finishes and the rest stay cancelled.
                await storage.TryUpdateJobAsync(job with { State = JobState.Cancelled }, cancellationToken);
        _logger.LogInformation("Sweep {SweepId} cancelled", sweepId);
        return true;
    }

    public async Task<SweepStatus?> GetStatusAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var sweep = await storage.GetSweepAsync(sweepId, cancellationToken);
        if (sweep is null) return null;
        var counts = new Dictionary<JobState, int>();
        var failures = new List<JobFailure>();
        await foreach (var job in storage.ListJobsAsync(sweepId, cancellationToken))
        {
            counts[job.State] = counts.GetValueOrDefault(job.State) + 1;
            if (job.State == JobState.Failed) failures.Add(new JobFailure(job.JobId, job.Kind, job.Error ?? "", job.Attempts));
        }
        var total = counts.Values.Sum();
        var finished = counts.GetValueOrDefault(JobState.Done) + counts.GetValueOrDefault(JobState.Failed) + counts.GetValueOrDefault(JobState.Cancelled);
        return new SweepStatus(sweep.Id, sweep.Name, sweep.State, sweep.CreatedAt, total,
            counts.GetValueOrDefault(JobState.Queued), counts.GetValueOrDefault(JobState.Running), counts.GetValueOrDefault(JobState.Done),
            counts.GetValueOrDefault(JobState.Failed), counts.GetValueOrDefault(JobState.Cancelled),
            total == 0 ? 1 : (double)finished / total, finished == total, failures);
    }

    public async Task<IReadOnlyList<SweepSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<SweepSummary>();
        await foreach (var s in storage.ListSweepsAsync(cancellationToken))
            list.Add(new SweepSummary(s.Id, s.Name, s.State, s.CreatedAt, s.ModelJobs, s.StitchJobs));
        return list.OrderByDescending(s => s.CreatedAt).ToList();
    }
}
