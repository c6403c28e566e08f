using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Core.Storage;

namespace Stitching.Core.Jobs;

/// <summary>
/// The runner's loop, callable from any CLI with the real engine: receive and process jobs until cancelled
/// or until <c>maxJobs</c> jobs have been worked on (retries and dead letters count; duplicates do not).
/// When storage or the queue stays unreachable past the SDK's own retries, the loop waits with exponential
/// backoff (1 s doubling to 10 s) and carries on; the message of a job it was working on comes back after its lock
/// expires. Only cancellation ends the loop.
/// </summary>
public static class WorkerHost
{
    private static readonly TimeSpan OrphanCheckInterval = TimeSpan.FromMinutes(1);

    public static async Task<int> RunAsync(IConfiguration configuration, IJobExecutor executor, int? maxJobs, CancellationToken cancellationToken, ILoggerFactory? loggerFactory = null)
    {
        loggerFactory ??= NullLoggerFactory.Instance;
        var log = loggerFactory.CreateLogger(typeof(WorkerHost));
        var platform = StitchingPlatform.FromConfiguration(configuration, loggerFactory);
        await platform.CreateIfNotExistsAsync(cancellationToken);
        var processor = platform.CreateProcessor(executor);
        log.LogInformation("Worker {WorkerId} started; checkpoints in {Directory}", platform.Processor.WorkerId, platform.Processor.CheckpointDirectory);

        var worked = 0;
        var lastOrphanCheck = DateTimeOffset.MinValue;
        var backoff = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested && (maxJobs is null || worked < maxJobs))
        {
            JobOutcome? outcome;
            try
            {
                outcome = await processor.ProcessNextAsync(TimeSpan.FromSeconds(20), cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (StorageFailures.Is(e))
            {
                backoff = TimeSpan.FromSeconds(Math.Clamp(backoff.TotalSeconds * 2, 1, 10));
                log.LogWarning(e, "Storage or queue unreachable; retrying in {Backoff}", backoff);
                try
                {
                    await Task.Delay(backoff, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                continue;
            }
            backoff = TimeSpan.Zero;
            // An idle queue is when a dead runner's jobs would otherwise wait forever: look for expired leases now and then.
            if (outcome is null && DateTimeOffset.UtcNow - lastOrphanCheck > OrphanCheckInterval)
            {
                lastOrphanCheck = DateTimeOffset.UtcNow;
                try
                {
                    await platform.Coordinator.RequeueExpiredAsync(cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (StorageFailures.Is(e)) // storage hiccup: the next idle check tries again
                {
                    log.LogWarning(e, "Looking for expired leases failed");
                }
            }
            if (outcome is JobOutcome.Done or JobOutcome.Retried or JobOutcome.DeadLettered) worked++;
        }
        log.LogInformation("Worker stopped after {Jobs} jobs", worked);
        return worked;
    }
}
