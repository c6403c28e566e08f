using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Core.Storage;

namespace Stitching.Core.Jobs;

/// <summary>
/// The runner's loop, callable from any CLI with the real engine. Without <c>maxJobs</c> it receives and processes
/// jobs until cancelled. With <c>maxJobs</c> (job mode: a Container Apps job execution, started by the scaler for one
/// message) it stops after that many messages whatever their outcome, and at the first receive that finds the queue
/// empty. When storage or the queue stays unreachable past the SDK's own retries, the loop waits with exponential
/// backoff (1 s doubling to 10 s) and carries on. Cancellation mid-job hands the message back (see
/// <see cref="JobProcessor.ProcessAsync"/>). Recovery (expired leases, planning, dead letters) is not a runner's work:
/// the Function app's timer does it (<c>RecoverSweeps</c>), since scale-to-zero keeps no idle runner.
/// </summary>
public static class WorkerHost
{
    public static async Task<WorkerRun> RunAsync(IConfiguration configuration, IJobExecutor executor, int? maxJobs, CancellationToken cancellationToken, ILoggerFactory? loggerFactory = null)
    {
        if (maxJobs is < 1) throw new ArgumentOutOfRangeException(nameof(maxJobs), maxJobs, "maxJobs must be at least 1.");
        loggerFactory ??= NullLoggerFactory.Instance;
        var log = loggerFactory.CreateLogger(typeof(WorkerHost));
        var platform = StitchingPlatform.FromConfiguration(configuration, loggerFactory);
        if (platform.Processor.ReceiveWait <= TimeSpan.Zero)
            throw new ArgumentException($"{JobProcessorOptions.Section}:{nameof(JobProcessorOptions.ReceiveWait)} must be a positive time span (e.g. 00:00:20), got {platform.Processor.ReceiveWait}.");
        await platform.CreateIfNotExistsAsync(cancellationToken);
        var processor = platform.CreateProcessor(executor);
        log.LogInformation("Worker {WorkerId} started; checkpoints in {Directory}", platform.Processor.WorkerId, platform.Processor.CheckpointDirectory);

        int messages = 0, failed = 0;
        var interrupted = false;
        var backoff = TimeSpan.Zero;
        while (!cancellationToken.IsCancellationRequested && (maxJobs is null || messages < maxJobs))
        {
            Queues.IJobLease? lease = null;
            try
            {
                lease = await platform.Queue.ReceiveAsync(platform.Processor.ReceiveWait, cancellationToken);
                if (lease is null)
                {
                    if (maxJobs is null) continue;
                    log.LogInformation("Queue empty; job-mode runner exits");
                    break;
                }
                var outcome = await processor.ProcessAsync(lease, cancellationToken);
                messages++;
                if (WorkerRun.IsFailure(outcome)) failed++;
                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                interrupted = lease is not null;
                break;
            }
            catch (Exception e) when (StorageFailures.Is(e))
            {
                // A message held when storage failed comes back once its lock runs out; in job mode it counts as failed.
                if (lease is not null)
                {
                    messages++;
                    failed++;
                }
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
            }
        }
        var run = new WorkerRun(messages, failed, interrupted);
        log.LogInformation("Worker stopped after {Messages} messages ({Failed} failed{Interrupted})", run.Messages, run.Failed, interrupted ? ", one interrupted and handed back" : "");
        return run;
    }
}
