using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Stitching.Execution;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Processing;

/// <summary>
/// The runner's loop as a hosted service (<see cref="StitchingPlatformServiceCollectionExtensions.AddStitchingWorker"/>),
/// with any <see cref="IJobExecutor"/>. Without <see cref="WorkerOptions.MaxJobs"/> it receives and processes jobs until
/// the host stops. In job mode (a Container Apps job execution, started by the scaler for one message) it stops after
/// that many messages whatever their outcome, at the first receive that finds the queue empty, or once less than one job's
/// budget is left of the execution's replica timeout (<see cref="SweepLimitOptions"/>), and then stops the host. When storage or the queue stays unreachable past the SDK's own retries, the loop waits with exponential
/// backoff (1 s doubling to 10 s) and carries on. A stop mid-job (SIGTERM: the host's console lifetime) hands the
/// message back (see <see cref="JobProcessor.ProcessAsync"/>). Recovery (expired leases, planning, dead letters) is
/// not a runner's work: the Function app's timer does it (<c>RecoverSweeps</c>), since scale-to-zero keeps no idle runner.
/// </summary>
public sealed class WorkerService(StitchingPlatform platform, IJobExecutor executor, IOptions<WorkerOptions> options,
    IHostApplicationLifetime lifetime, ILogger<WorkerService> logger, IOptions<SweepLimitOptions>? limits = null) : BackgroundService
{
    private readonly int? _maxJobs = options.Value.MaxJobs;

    /// <summary>
    /// Job mode: how long after start a new job may still be taken. Every job is sized to fit one job budget
    /// (<see cref="JobFit"/>), so a job taken later could outlive the execution's replica timeout and be killed.
    /// </summary>
    private readonly TimeSpan _takeJobsFor = limits?.Value is { } l ? TimeSpan.FromSeconds(l.ReplicaTimeoutSeconds - l.JobBudgetSeconds) : TimeSpan.MaxValue;

    /// <summary>What the loop came to; null until it ends (or when the host stopped before it began).</summary>
    public WorkerRun? Run { get; private set; }

    /// <summary>Creates tables, container and queues before the loop starts: a host that cannot reach them does not start.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await platform.CreateIfNotExistsAsync(cancellationToken);
        logger.LogInformation("Worker {WorkerId} started; checkpoints in {Directory}", platform.Processor.WorkerId, platform.Processor.CheckpointDirectory);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var processor = platform.CreateProcessor(executor);
        int messages = 0, failed = 0;
        var interrupted = false;
        var backoff = TimeSpan.Zero;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!stoppingToken.IsCancellationRequested && (_maxJobs is null || messages < _maxJobs))
        {
            if (_maxJobs is not null && messages > 0 && clock.Elapsed > _takeJobsFor)
            {
                logger.LogInformation("Less than one job's budget left of the replica timeout after {Minutes:F0} min; job-mode runner exits", clock.Elapsed.TotalMinutes);
                break;
            }
            IJobLease? lease = null;
            try
            {
                lease = await platform.Queue.ReceiveAsync(platform.Processor.ReceiveWait, stoppingToken);
                if (lease is null)
                {
                    if (_maxJobs is null) continue;
                    logger.LogInformation("Queue empty; job-mode runner exits");
                    break;
                }
                var outcome = await processor.ProcessAsync(lease, stoppingToken);
                messages++;
                if (WorkerRun.IsFailure(outcome)) failed++;
                backoff = TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
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
                logger.LogWarning(e, "Storage or queue unreachable; retrying in {Backoff}", backoff);
                try
                {
                    await Task.Delay(backoff, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        Run = new WorkerRun(messages, failed, interrupted);
        logger.LogInformation("Worker stopped after {Messages} messages ({Failed} failed{Interrupted})", messages, failed, interrupted ? ", one interrupted and handed back" : "");
        lifetime.StopApplication(); // job mode done; a no-op when the host is stopping already
    }
}
