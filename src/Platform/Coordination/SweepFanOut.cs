using Microsoft.Extensions.Logging;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Coordination;

/// <summary>
/// Fan-out: sends model jobs first and a stitch job only once both its models are in the models table; a worker calls
/// <see cref="OnModelDoneAsync"/> after each model, which sends the stitches that became ready. Each job is sent once:
/// a fan-out claims a job's row by ETag before sending it and marks it <c>Sent</c> after, so concurrent fan-outs never
/// send the same job; only a sender that dies between sending and marking leaves a duplicate, which Service Bus drops
/// (same message id) and a worker's ETag claim makes a no-op on a Storage queue.
/// </summary>
public sealed class SweepFanOut(StitchingStorage storage, IJobQueue queue, ILogger logger) : ISweepFanOut
{
    /// <summary>Messages sent per round trip before the rows are marked sent: bounds what a crash can resend.</summary>
    public const int SendChunk = 500;

    /// <summary>
    /// How long a fan-out's claim on the rows it is sending holds off other fan-outs: far longer than sending one chunk
    /// takes, so a live sender's rows are never sent twice; a dead sender's are sent by the first fan-out after it.
    /// </summary>
    public TimeSpan SendClaim { get; set; } = TimeSpan.FromMinutes(5);

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
        if (sent > 0) logger.LogInformation("Sweep {SweepId}: sent {Count} jobs", sweepId, sent);
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
        if (failed > 0) logger.LogWarning("Sweep {SweepId}: {Count} stitches failed with model {ModelKey}", sweepId, failed, model.Key);
        return failed;
    }

}
