using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;

namespace Stitching.Execution;

/// <summary>
/// One delivery, start to finish, with no host: skip cancelled sweeps, claim the job row by ETag, fetch the
/// checkpoints, run the engine under a token that fires when the lock is lost, store checkpoints and result,
/// mark Done, complete the message. Failures are retried until <see cref="JobProcessorOptions.MaxDeliveries"/>,
/// then dead-lettered and recorded Failed; a message that can never succeed is dead-lettered at once.
/// </summary>
public sealed class JobProcessor(
    ISweepStore storage,
    ICheckpointStore checkpoints,
    IJobQueue queue,
    ISweepFanOut fanOut,
    IJobExecutor executor,
    JobProcessorOptions options,
    ILogger? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<JobProcessor>.Instance;

    /// <summary>Whether the delivery being processed has uploaded training progress (<see cref="ReleaseAsync"/> reads it).</summary>
    private bool _progressUploaded;

    /// <summary>Receives and processes one message; null when none arrived within <paramref name="maxWait"/>.</summary>
    public async Task<JobOutcome?> ProcessNextAsync(TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var lease = await queue.ReceiveAsync(maxWait, cancellationToken);
        return lease is null ? null : await ProcessAsync(lease, cancellationToken);
    }

    /// <summary>
    /// Processes one received message. When <paramref name="cancellationToken"/> fires (the runner is stopping: SIGTERM
    /// from a scale-in or a replica timeout), the message is abandoned before <see cref="OperationCanceledException"/>
    /// propagates, so another runner can take it at once instead of after its lock runs out.
    /// </summary>
    public async Task<JobOutcome> ProcessAsync(IJobLease lease, CancellationToken cancellationToken = default)
    {
        using var activity = lease.Message is { } m ? StitchingTelemetry.StartJob(m, lease.DeliveryCount) : null;
        _progressUploaded = false; // per delivery: a stop before this one trains must not read the last job's uploads
        try
        {
            var outcome = await HandleAsync(lease, cancellationToken);
            activity?.SetTag("stitching.outcome", outcome.ToString());
            if (WorkerRun.IsFailure(outcome)) activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, outcome.ToString());
            return outcome;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            activity?.SetTag("stitching.outcome", "Stopped");
            await ReleaseAsync(lease);
            throw;
        }
    }

    private async Task<JobOutcome> HandleAsync(IJobLease lease, CancellationToken cancellationToken)
    {
        if (lease.Message is not { } m)
            return await DeadLetterAsync(lease, null, "MalformedMessage", lease.ParseError ?? "Unreadable body.", cancellationToken);

        var sweep = await storage.GetSweepAsync(m.SweepId, cancellationToken);
        var job = await storage.GetJobAsync(m.SweepId, m.JobId, cancellationToken);
        if (sweep is null || job is null)
            return await DeadLetterAsync(lease, null, "UnknownJob", $"No job {m.JobId} in sweep {m.SweepId}.", cancellationToken);

        if (sweep.State == SweepState.Cancelled)
        {
            await storage.UpdateJobAsync(m.SweepId, m.JobId, j => j.IsFinished ? null : j with { State = JobState.Cancelled }, cancellationToken);
            await lease.CompleteAsync(cancellationToken);
            return JobOutcome.Cancelled;
        }
        if (job.IsFinished)
        {
            // A model's stitches may not have been sent if the worker that finished it stopped before fanning out.
            if (job.State == JobState.Done && m.Kind == JobKind.Model) await fanOut.OnModelDoneAsync(m.SweepId, cancellationToken);
            await lease.CompleteAsync(cancellationToken);
            return JobOutcome.Duplicate;
        }
        // Service Bus dead-letters such a message itself; a Storage queue would hand it out forever, so the same rule
        // is applied here. Deliveries that failed in code are dead-lettered earlier, at MaxDeliveries; these are the
        // deliveries whose runner stopped without a word (killed, crashed, out of memory).
        if (lease.DeliveryCount > options.MaxDeliveries)
            return await DeadLetterAsync(lease, m, "MaxDeliveryCountExceeded",
                $"Delivered {lease.DeliveryCount} times (max {options.MaxDeliveries}); each runner that took it stopped without finishing it.", cancellationToken);
        if (InvalidPayload(m) is { } invalid)
            return await DeadLetterAsync(lease, m, "InvalidJob", invalid, cancellationToken);

        // A copy delivered for the first time while another worker holds the row is a surplus copy: it waits for that lease.
        // A message delivered before came back because its lock ran out: the worker that held it died or lost it (one that
        // lost it stops at its next renewal, finding the row claimed here), so it is taken over now, from the uploaded
        // progress, instead of deferring a copy to the lease's end, which cost one more execution per dead runner.
        if (job.State == JobState.Running && job.LeaseUntil > DateTimeOffset.UtcNow && job.ClaimedBy != options.WorkerId && lease.DeliveryCount == 1)
            return await DeferAsync(lease, m, "another worker holds it", cancellationToken, UntilLeaseEnds(job));
        if (m.Kind == JobKind.Stitch && !await ModelsReadyAsync(m.Stitches!, cancellationToken))
            return await DeferAsync(lease, m, "its models are not trained yet", cancellationToken);

        var claimed = await storage.TryUpdateJobAsync(job with
        {
            State = JobState.Running,
            Attempts = job.Attempts + 1,
            ClaimedBy = options.WorkerId,
            LeaseUntil = DateTimeOffset.UtcNow + 2 * options.LockDuration,
        }, cancellationToken);
        // Lost the race: the winner runs it. The message is kept (deferred, not completed) so a winner that
        // crashes cannot take the job's last message with it; once the winner is done, this copy completes as a duplicate.
        if (claimed is null)
            return await DeferAsync(lease, m, "another worker claimed it first", cancellationToken,
                await storage.GetJobAsync(m.SweepId, m.JobId, cancellationToken) is { } winner ? UntilLeaseEnds(winner) : null);

        return await RunAsync(lease, sweep, claimed, cancellationToken);
    }

    private async Task<JobOutcome> RunAsync(IJobLease lease, SweepRecord sweep, JobRow claimed, CancellationToken cancellationToken)
    {
        var m = claimed.Message;
        using var lockLost = new CancellationTokenSource();
        using var sweepCancelled = new CancellationTokenSource();
        using var work = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lockLost.Token, sweepCancelled.Token);
        using var stopRenewing = new CancellationTokenSource();
        var renewal = RenewAsync(lease, m, lockLost, sweepCancelled, stopRenewing.Token);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            if (m.Kind == JobKind.Model) await RunModelAsync(m, work.Token);
            else await RunStitchesAsync(sweep.Spec, m, work.Token);
        }
        catch (OperationCanceledException) when (sweepCancelled.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            await StopAsync(stopRenewing, renewal);
            await storage.UpdateJobAsync(m.SweepId, m.JobId, j => j.IsFinished ? null : j with { State = JobState.Cancelled, ClaimedBy = null, LeaseUntil = null }, cancellationToken);
            await lease.CompleteAsync(cancellationToken);
            _logger.LogInformation("Job {JobId}: sweep cancelled, work stopped", m.JobId);
            return JobOutcome.Cancelled;
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            await StopAsync(stopRenewing, renewal);
            // Back to Queued so whoever receives the message next can claim it without waiting for the lease.
            await storage.UpdateJobAsync(m.SweepId, m.JobId, j => j.IsFinished || j.ClaimedBy != options.WorkerId ? null
                : j with { State = JobState.Queued, ClaimedBy = null, LeaseUntil = null }, CancellationToken.None);
            if (cancellationToken.IsCancellationRequested) throw;
            _logger.LogWarning("Job {JobId}: queue lock lost, work abandoned", m.JobId);
            return JobOutcome.LockLost;
        }
        catch (Exception e) when (options.FailFast)
        {
            // Nobody retries for a local sweep: the job is marked Failed and the engine's own exception reaches the caller.
            await StopAsync(stopRenewing, renewal);
            await storage.UpdateJobAsync(m.SweepId, m.JobId, j => j with { State = JobState.Failed, Error = e.ToString(), ClaimedBy = null, LeaseUntil = null }, CancellationToken.None);
            await lease.CompleteAsync(CancellationToken.None);
            throw;
        }
        catch (CheckpointUnavailableException e) // missing or corrupt input: no retry can fix it
        {
            await StopAsync(stopRenewing, renewal);
            return await DeadLetterAsync(lease, m, "CheckpointUnavailable", e.Message, cancellationToken);
        }
        catch (Exception e) // the queue boundary: any engine failure is retried or dead-lettered, never lost
        {
            await StopAsync(stopRenewing, renewal);
            if (lease.DeliveryCount >= options.MaxDeliveries)
                return await DeadLetterAsync(lease, m, "JobFailed", $"Failed after {lease.DeliveryCount} deliveries: {e}", cancellationToken);
            _logger.LogWarning(e, "Job {JobId} failed on delivery {Delivery}; will retry", m.JobId, lease.DeliveryCount);
            await storage.UpdateJobAsync(m.SweepId, m.JobId, j => j with { State = JobState.Queued, Error = e.ToString(), ClaimedBy = null, LeaseUntil = null }, cancellationToken);
            await lease.AbandonAsync(options.RetryDelay, cancellationToken);
            return JobOutcome.Retried;
        }
        await StopAsync(stopRenewing, renewal);

        // Done is terminal and the result row is already stored, so it is written whatever changed meanwhile.
        await storage.UpdateJobAsync(m.SweepId, m.JobId, j => j with { State = JobState.Done, Error = null, LeaseUntil = null }, cancellationToken);
        if (m.Kind == JobKind.Model) await fanOut.OnModelDoneAsync(m.SweepId, cancellationToken);
        await lease.CompleteAsync(cancellationToken);
        // The line the CLI prints per finished group (label and seconds), so a runner's log can be followed the same way.
        _logger.LogInformation("Job {JobId} done: {Label} in {Seconds:F0} s", m.JobId, Label(m), clock.Elapsed.TotalSeconds);
        return JobOutcome.Done;
    }

    private static string Label(JobMessage m) => m.Kind == JobKind.Model && m.Model is { } model
        ? $"{(model.Trained ? "trained" : "random")} {model.Arch} (seed {model.Seed})"
        : m.Stitches is { } g
            ? $"{g.Variant.Name()} {g.Receiver.Arch} layer {string.Join(",", g.ReceiverLayers)} <- {g.SenderLayers.Count * g.ReceiverLayers.Count} stitches"
            : m.Kind;

    private async Task RunModelAsync(JobMessage m, CancellationToken ct)
    {
        var model = m.Model!;
        // Model keys are shared across sweeps: a model another sweep trained is reused, not retrained.
        if (await storage.GetModelAsync(model.Key, ct) is not null && await checkpoints.ModelExistsAsync(model.Key, ct)) return;
        var result = await TrainModelResumingAsync(m, model, ct);
        using var activity = StitchingTelemetry.StartSweep("Write model", m.SweepId)?.SetTag("stitching.model_key", model.Key);
        await checkpoints.UploadModelAsync(model.Key, options.CheckpointDirectory, ct);
        await StoreProvenanceAsync([result.ProvenanceId], ct);
        await storage.UpsertModelAsync(model.Key, result, ct);
        _logger.LogInformation("Model {ModelKey} trained: {Accuracy:P1}", model.Key, result.Accuracy);
    }

    /// <summary>
    /// A model's training resumes from epoch progress as a stitch group's does (<see cref="RunStitchesAsync"/>): an earlier
    /// delivery's uploaded progress is fetched first, and this delivery's is uploaded while it trains, so a runner stopped at
    /// its replica timeout (or killed) costs the next delivery only the epochs since the last upload.
    /// </summary>
    private async Task<ModelResult> TrainModelResumingAsync(JobMessage m, ModelSpec model, CancellationToken ct)
    {
        var id = CheckpointFiles.ModelProgressId(model.Key);
        var progress = CheckpointFiles.ProgressFile(options.CheckpointDirectory, id);
        if (!File.Exists(progress) && await checkpoints.DownloadProgressAsync(m.SweepId, id, progress, ct))
            _logger.LogInformation("Job {JobId}: resuming model {ModelKey} from uploaded progress", m.JobId, model.Key);
        var result = await WhileUploadingProgressAsync(m, id, progress, () => executor.TrainModelAsync(model, options.CheckpointDirectory, ct), ct);
        if (File.Exists(progress)) File.Delete(progress); // the uploaded copy stays (no delete right); a trained model is never retrained
        return result;
    }

    /// <summary>The provenance records the rows about to be stored refer to, each written once per process (<see cref="ISweepStore.UpsertProvenanceAsync"/>).</summary>
    private async Task StoreProvenanceAsync(IEnumerable<string> ids, CancellationToken ct)
    {
        foreach (var id in ids.Distinct())
            if (id.Length > 0 && executor.FindProvenance(id) is { } provenance) await storage.UpsertProvenanceAsync(provenance, ct);
    }

    /// <summary>
    /// Trains the group's stitches one receiver layer at a time and stores each layer's results (and analysis rows) as soon as they exist,
    /// so a later delivery of the same job (after a crash or a lost lock) trains only the stitches still missing.
    /// </summary>
    private async Task RunStitchesAsync(SweepSpec spec, JobMessage m, CancellationToken ct)
    {
        var group = m.Stitches!;
        await checkpoints.DownloadModelAsync(group.Sender.Key, options.CheckpointDirectory, ct);
        await checkpoints.DownloadModelAsync(group.Receiver.Key, options.CheckpointDirectory, ct);
        var missing = new List<StitchTask>();
        foreach (var task in group.Tasks())
            if (!await storage.HasResultAsync(m.SweepId, JobIds.ForStitch(task), ct)) missing.Add(task);
        if (missing.Count < group.Count) _logger.LogInformation("Job {JobId}: {Stored} of {Count} stitches already stored", m.JobId, group.Count - missing.Count, group.Count);
        foreach (var layer in missing.GroupBy(t => t.ReceiverLayer))
        {
            var tasks = layer.ToList();
            var progress = CheckpointFiles.ProgressFile(options.CheckpointDirectory, tasks[0]);
            // An earlier delivery's progress, if one was uploaded: the engine resumes from it. This runner's own file is newer.
            if (!File.Exists(progress) && await checkpoints.DownloadProgressAsync(m.SweepId, CheckpointFiles.ProgressId(tasks[0]), progress, ct))
                _logger.LogInformation("Job {JobId}: resuming layer {Layer} from uploaded progress", m.JobId, layer.Key);
            var (results, analyses) = await WhileUploadingProgressAsync(m, CheckpointFiles.ProgressId(tasks[0]), progress, () => executor.TrainStitchesAsync(spec, tasks, options.CheckpointDirectory, ct), ct);
            if (results.Count != tasks.Count) throw new InvalidOperationException($"The executor returned {results.Count} results for {tasks.Count} stitches.");
            if (analyses.Count != (spec.Analyses.Count > 0 ? tasks.Count : 0))
                throw new InvalidOperationException($"The executor returned {analyses.Count} analysis rows for {tasks.Count} stitches and {spec.Analyses.Count} analyses.");
            using var activity = StitchingTelemetry.StartSweep("Write results", m.SweepId)?.SetTag("stitching.receiver_layer", layer.Key).SetTag("stitching.results", tasks.Count);
            await StoreProvenanceAsync(results.Select(r => r.ProvenanceId), ct);
            for (var k = 0; k < tasks.Count; k++)
            {
                var stitchId = JobIds.ForStitch(tasks[k]);
                // Before the result row: a stored result means the stitch is finished, its analyses included.
                if (analyses.Count > 0) await storage.UpsertAnalysisAsync(m.SweepId, stitchId, analyses[k], ct);
                var stitchFile = CheckpointFiles.StitchFile(options.CheckpointDirectory, tasks[k]);
                var checkpoint = File.Exists(stitchFile) ? await checkpoints.UploadStitchAsync(m.SweepId, stitchId, stitchFile, ct) : null;
                await storage.UpsertResultAsync(m.SweepId, new StoredResult(stitchId, results[k], options.WorkerId, checkpoint), ct);
                _logger.LogInformation("Stitch {StitchId} done: {Accuracy:P1}", stitchId, results[k].Accuracy);
            }
            // The uploaded progress stays: the role table gives a runner no delete right (only the Functions host deletes,
            // PlatformRoles; the offline SAS enforce it, while Azure's built-in Blob Data Contributor is broader), and a
            // finished layer is skipped on any later delivery, so its progress is never read again.
            if (File.Exists(progress)) File.Delete(progress);
        }
    }

    private async Task<T> WhileUploadingProgressAsync<T>(JobMessage m, string progressId, string file, Func<Task<T>> train, CancellationToken ct)
    {
        using var stopUploading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var uploads = UploadProgressAsync(m, progressId, file, stopUploading.Token);
        try
        {
            return await train();
        }
        finally
        {
            await stopUploading.CancelAsync();
            await uploads;
        }
    }

    /// <summary>
    /// While a group trains: every <see cref="JobProcessorOptions.ProgressInterval"/> (at least a second), uploads its
    /// progress file when the engine has saved a newer one, from a copy, so the engine may replace the file meanwhile.
    /// A failed upload is logged and tried again at the next save: the group trains on either way.
    /// </summary>
    private async Task UploadProgressAsync(JobMessage m, string progressId, string file, CancellationToken stop)
    {
        var period = options.ProgressInterval > TimeSpan.FromSeconds(1) ? options.ProgressInterval : TimeSpan.FromSeconds(1);
        var uploaded = DateTime.MinValue;
        var copy = file + ".upload";
        try
        {
            while (true)
            {
                await Task.Delay(period, stop);
                var saved = File.Exists(file) ? File.GetLastWriteTimeUtc(file) : DateTime.MinValue;
                if (saved == DateTime.MinValue || saved == uploaded) continue;
                try
                {
                    File.Copy(file, copy, overwrite: true);
                    await checkpoints.UploadProgressAsync(m.SweepId, progressId, copy, stop);
                    uploaded = saved;
                    _progressUploaded = true;
                    _logger.LogInformation("Job {JobId}: progress uploaded", m.JobId);
                }
                catch (Exception e) when (e is IOException || checkpoints.IsTransient(e))
                {
                    _logger.LogWarning(e, "Job {JobId}: progress upload failed; trying again at the next save", m.JobId);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            if (File.Exists(copy)) File.Delete(copy);
        }
    }

    /// <summary>
    /// Every third of the lock duration: renews the queue lock, extends the row's lease (a duplicate copy of the
    /// message may only claim the job once that lease has run out, so it must outlive a long job), and looks at the
    /// sweep's state. A failed renewal, or a row another worker has claimed, cancels the job as lock lost; a
    /// cancelled sweep stops the job at its next step.
    /// </summary>
    private async Task RenewAsync(IJobLease lease, JobMessage m, CancellationTokenSource lockLost, CancellationTokenSource sweepCancelled, CancellationToken stop)
    {
        var period = options.LockDuration / 3;
        try
        {
            while (true)
            {
                await Task.Delay(period, stop);
                await lease.RenewLockAsync(stop);
                var held = await storage.UpdateJobAsync(m.SweepId, m.JobId, j => j.State == JobState.Running && j.ClaimedBy == options.WorkerId
                    ? j with { LeaseUntil = DateTimeOffset.UtcNow + 2 * options.LockDuration } : null, stop);
                if (held is null)
                {
                    _logger.LogWarning("Job {JobId}: the row is no longer claimed by {WorkerId}", m.JobId, options.WorkerId);
                    await lockLost.CancelAsync();
                    return;
                }
                if ((await storage.GetSweepAsync(m.SweepId, stop))?.State == SweepState.Cancelled)
                {
                    await sweepCancelled.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (checkpoints.IsTransient(e))
        {
            _logger.LogWarning(e, "Lock renewal failed");
            await lockLost.CancelAsync();
        }
    }

    private static async Task StopAsync(CancellationTokenSource stop, Task renewal)
    {
        await stop.CancelAsync();
        await renewal;
    }

    private async Task<bool> ModelsReadyAsync(StitchGroup group, CancellationToken ct) =>
        await storage.GetModelAsync(group.Sender.Key, ct) is not null && await storage.GetModelAsync(group.Receiver.Key, ct) is not null;

    /// <summary>A fresh copy after <see cref="JobProcessorOptions.RetryDelay"/>: waiting must not use up the message's deliveries.</summary>
    private async Task<JobOutcome> DeferAsync(IJobLease lease, JobMessage m, string why, CancellationToken ct, TimeSpan? delay = null)
    {
        if (m.Deferrals >= options.MaxDeferrals)
            return await DeadLetterAsync(lease, m, JobRow.DeferralLimitExceeded,
                $"Deferred {m.Deferrals} times (max {options.MaxDeferrals}, Stitching:Queue:MaxDeferrals); the last time because {why}.", ct);
        _logger.LogInformation("Job {JobId} deferred: {Reason}", m.JobId, why);
        await lease.DeferAsync(delay ?? options.RetryDelay, ct);
        return JobOutcome.Deferred;
    }

    /// <summary>
    /// The wait for a copy of a job another worker holds: until that worker's lease ends (a second after), not
    /// <see cref="JobProcessorOptions.RetryDelay"/>. A dead runner's message comes back when its queue lock runs out, a lock
    /// before its lease does; a copy every RetryDelay until then was one more message, and one more GPU execution, each time.
    /// </summary>
    private TimeSpan UntilLeaseEnds(JobRow job) =>
        job is { State: JobState.Running, LeaseUntil: { } until } && until - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1) is var left && left > options.RetryDelay
            ? left : options.RetryDelay;

    private async Task ReleaseAsync(IJobLease lease)
    {
        // Container Apps allows 30 s between SIGTERM and SIGKILL by default; the abandon must fit in it.
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            // A stop (the replica timeout's SIGTERM) after this delivery uploaded progress hands back a fresh copy, counted as
            // a deferral, not a delivery: a job that moves on at each stop must not dead-letter after MaxDeliveries stops. One
            // that made no progress uses a delivery, so a job that can never get anywhere still ends dead-lettered.
            if (_progressUploaded && lease.Message is not null) await lease.DeferAsync(TimeSpan.Zero, grace.Token);
            else await lease.AbandonAsync(TimeSpan.Zero, grace.Token);
            _logger.LogInformation("Job {JobId}: runner stopping, message handed back{Progress}", lease.Message?.JobId ?? "(unreadable)",
                _progressUploaded ? " as a fresh copy (progress was uploaded)" : "");
        }
        catch (Exception e) when (checkpoints.IsTransient(e) || e is OperationCanceledException)
        {
            _logger.LogWarning(e, "Job {JobId}: could not hand the message back; it returns when its lock runs out", lease.Message?.JobId ?? "(unreadable)");
        }
    }

    private async Task<JobOutcome> DeadLetterAsync(IJobLease lease, JobMessage? m, string reason, string description, CancellationToken ct)
    {
        _logger.LogError("Dead-lettering {JobId}: {Reason}: {Description}", m?.JobId ?? "(unreadable)", reason, description);
        var failed = m is not null && await storage.UpdateJobAsync(m.SweepId, m.JobId, j => j.DeadLettered(reason, $"{reason}: {description}"), ct) is not null;
        await lease.DeadLetterAsync(reason, description, ct);
        if (failed && m is { Kind: JobKind.Model, Model: { } model }) await fanOut.FailDependentsAsync(m.SweepId, model, $"{reason}: {Shorten(description)}", ct);
        return JobOutcome.DeadLettered;
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    /// <summary>Checks what the engine would otherwise fail on after loading data: a message that can never run.</summary>
    private static string? InvalidPayload(JobMessage m)
    {
        IEnumerable<ModelSpec> models = m.Kind == JobKind.Model ? [m.Model!] : [m.Stitches!.Sender, m.Stitches.Receiver];
        foreach (var model in models)
            if (!ResNetSpec.TryParse(model.Arch, out _, out var error)) return error;
        if (m.Stitches is { } group)
            try
            {
                group.Tasks();
            }
            catch (Exception e) when (e is ArgumentException or IncompatibleShapesException)
            {
                return e.Message;
            }
        return null;
    }
}
