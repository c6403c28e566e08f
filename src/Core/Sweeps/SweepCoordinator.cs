using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Core.Contracts;
using Stitching.Core.Queues;
using Stitching.Core.Stitches;
using Stitching.Core.Storage;

namespace Stitching.Core.Sweeps;

/// <summary>
/// What the API does with sweeps: submit (validate, store, plan the jobs, fan out), status, cancel. Fan-out sends model jobs
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
    private readonly ConcurrentDictionary<string, Task> _planning = new();

    /// <summary>
    /// Sweeps with at most this many jobs (a few table transactions) are planned within the submit call; bigger ones
    /// (the paper's full experiment has about 1,100) are planned in the background so that submission answers at once.
    /// </summary>
    public int InlinePlanningLimit { get; init; } = 256;

    /// <summary>How long a sweep may stay Planning before a worker's idle check takes the planning over (its submitter died).</summary>
    public TimeSpan PlanningTakeover { get; init; } = TimeSpan.FromMinutes(2);

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
        var (models, stitches) = Jobs(id, plan);
        var sweep = new SweepRecord(id, spec.Name, spec, DateTimeOffset.UtcNow, SweepState.Planning, models.Count, stitches.Count, plan.Stitches.Count());
        // The row first, as Planning: if this process dies before the jobs are written, a worker finishes the planning.
        await storage.AddSweepAsync(sweep, cancellationToken);
        _logger.LogInformation("Sweep {SweepId} submitted: {Models} model jobs, {Stitches} stitches in {StitchJobs} jobs", id, models.Count, sweep.Stitches, stitches.Count);
        if (sweep.TotalJobs <= InlinePlanningLimit)
        {
            await WriteJobsAndActivateAsync(id, models, stitches, cancellationToken);
            return new SweepSubmission(sweep with { State = SweepState.Active }, []);
        }
        _planning[id] = Task.Run(async () =>
        {
            try
            {
                await WriteJobsAndActivateAsync(id, models, stitches, CancellationToken.None); // outlives the request
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Planning sweep {SweepId} failed; a worker's idle check retries it", id);
            }
            finally
            {
                _planning.TryRemove(id, out _);
            }
        }, CancellationToken.None);
        return new SweepSubmission(sweep, []);
    }

    /// <summary>Completes when a background planning started by this coordinator has finished (at once if none).</summary>
    public Task WhenPlannedAsync(string sweepId) => _planning.TryGetValue(sweepId, out var task) ? task : Task.CompletedTask;

    /// <summary>
    /// Writes the job rows of a Planning sweep (again, if a previous pass died), makes it Active and fans out.
    /// A sweep cancelled meanwhile stays cancelled, and the rows just written are cancelled too.
    /// </summary>
    public async Task PlanAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var sweep = await storage.GetSweepAsync(sweepId, cancellationToken);
        if (sweep is not { State: SweepState.Planning }) return;
        var (models, stitches) = Jobs(sweepId, SweepPlan.Create(sweep.Spec));
        await WriteJobsAndActivateAsync(sweepId, models, stitches, cancellationToken);
    }

    /// <summary>The jobs of a sweep known to be (or to have been) Planning; the submitter passes the ones it already built.</summary>
    private async Task WriteJobsAndActivateAsync(string sweepId, List<JobMessage> models, List<JobMessage> stitches, CancellationToken cancellationToken)
    {
        await storage.AddJobsAsync(models.Concat(stitches), cancellationToken);
        if (await storage.TryActivateSweepAsync(sweepId, cancellationToken)) await FanOutAsync(sweepId, cancellationToken);
        else if ((await storage.GetSweepAsync(sweepId, cancellationToken))?.State == SweepState.Cancelled) await CancelAsync(sweepId, cancellationToken);
    }

    private static (List<JobMessage> Models, List<JobMessage> Stitches) Jobs(string sweepId, SweepPlan plan) =>
        (plan.Models.Select(m => JobMessage.ForModel(sweepId, m)).ToList(),
         plan.StitchGroups.Select(g => JobMessage.ForStitches(sweepId, g)).DistinctBy(m => m.JobId).ToList());

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
            if (await Ready(m.Stitches!.Sender) && await Ready(m.Stitches.Receiver)) toSend.Add(m);

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
            if (job is { Kind: JobKind.Stitch, State: JobState.Queued } && (job.Message.Stitches!.Sender.Key == model.Key || job.Message.Stitches.Receiver.Key == model.Key)
                && await storage.TryUpdateJobAsync(job with { State = JobState.Failed, Error = $"model {model.Key} failed: {error}" }, cancellationToken) is not null)
                failed++;
        if (failed > 0) _logger.LogWarning("Sweep {SweepId}: {Count} stitches failed with model {ModelKey}", sweepId, failed, model.Key);
        return failed;
    }

    /// <summary>
    /// Re-sends jobs of active sweeps left Running by a runner that died (lease expired, message possibly gone), and
    /// finishes the planning of sweeps whose submitter died while writing their jobs.
    /// Safe with a message still in flight: the claim is by ETag, so a job runs once and extra copies complete as duplicates.
    /// </summary>
    public async Task<int> RequeueExpiredAsync(CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.UtcNow;
        var resent = new List<JobMessage>();
        var sweeps = new List<SweepRecord>();
        await foreach (var sweep in storage.ListSweepsAsync(cancellationToken)) sweeps.Add(sweep);
        foreach (var sweep in sweeps)
        {
            if (sweep.State == SweepState.Cancelled) continue;
            if (sweep.State == SweepState.Planning)
            {
                if (now - sweep.CreatedAt > PlanningTakeover && !_planning.ContainsKey(sweep.Id))
                {
                    _logger.LogWarning("Sweep {SweepId} was still planning after {Minutes} minutes; finishing it", sweep.Id, PlanningTakeover.TotalMinutes);
                    await PlanAsync(sweep.Id, cancellationToken);
                }
                continue;
            }
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
        // While Planning not every row exists yet: the missing ones count as queued.
        var total = Math.Max(counts.Values.Sum(), sweep.TotalJobs);
        var queued = counts.GetValueOrDefault(JobState.Queued) + total - counts.Values.Sum();
        var finished = counts.GetValueOrDefault(JobState.Done) + counts.GetValueOrDefault(JobState.Failed) + counts.GetValueOrDefault(JobState.Cancelled);
        return new SweepStatus(sweep.Id, sweep.Name, sweep.State, sweep.CreatedAt, total,
            queued, counts.GetValueOrDefault(JobState.Running), counts.GetValueOrDefault(JobState.Done),
            counts.GetValueOrDefault(JobState.Failed), counts.GetValueOrDefault(JobState.Cancelled),
            total == 0 ? 1 : (double)finished / total, finished == total && sweep.State != SweepState.Planning, failures);
    }

    public async Task<IReadOnlyList<SweepSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = new List<SweepSummary>();
        await foreach (var s in storage.ListSweepsAsync(cancellationToken))
            list.Add(new SweepSummary(s.Id, s.Name, s.State, s.CreatedAt, s.ModelJobs, s.StitchJobs));
        return list.OrderByDescending(s => s.CreatedAt).ToList();
    }
}
