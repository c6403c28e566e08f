using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Execution;
using Stitching.Platform.Processing;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;

namespace Stitching.Platform;

/// <summary>
/// Everything the API and the runners share: tables, checkpoint and dataset blobs, the job queue, the coordinator and
/// the results query. Hosts register it from configuration (<c>Stitching:Storage:*</c>, <c>Stitching:Queue:*</c>,
/// <c>Stitching:Worker:*</c>) with <see cref="StitchingPlatformServiceCollectionExtensions.AddStitchingPlatform"/>;
/// <see cref="Create"/> builds one from options directly (tests, benchmarks).
/// </summary>
public sealed record StitchingPlatform(
    StitchingStorage Storage,
    CheckpointStore Checkpoints,
    DatasetStore Datasets,
    IJobQueue Queue,
    SweepCoordinator Coordinator,
    ResultsQuery Results,
    JobProcessorOptions Processor,
    ILoggerFactory LoggerFactory)
{
    /// <summary>Reads about sweeps (status, listing), beside the coordinator that changes them.</summary>
    public SweepQueries Queries { get; } = new(Storage);

    /// <summary>
    /// A platform from options rather than configuration (tests, benchmarks, the local timer's own identity), wired by
    /// the hosts' one composition root, <see cref="StitchingPlatformServiceCollectionExtensions.AddStitchingPlatform"/>,
    /// with these options in place of the bound ones. Parts are created when first used: a caller that only takes the
    /// coordinator never creates a blob client (<see cref="CreateCoordinator"/>).
    /// </summary>
    public static StitchingPlatform Create(StitchingStorageOptions storage, JobQueueOptions queue, JobProcessorOptions? worker = null, ILoggerFactory? loggerFactory = null) =>
        Services(storage, queue, worker, loggerFactory).GetRequiredService<StitchingPlatform>();

    /// <summary>
    /// The recovery timer's part of the platform: tables and the job queue, no blob client (the timer never touches a
    /// blob, so offline its SAS environment has no blob URI). Never creates anything: the timer has no right to. The local
    /// host registers it under its own identity (<c>LocalRecoveryLoop.AddTimerCoordinator</c>).
    /// </summary>
    public static SweepCoordinator CreateCoordinator(StitchingStorageOptions storage, JobQueueOptions queue, ILoggerFactory? loggerFactory = null) =>
        Services(storage, queue, null, loggerFactory).GetRequiredService<SweepCoordinator>();

    private static ServiceProvider Services(StitchingStorageOptions storage, JobQueueOptions queue, JobProcessorOptions? worker, ILoggerFactory? loggerFactory)
    {
        var services = new ServiceCollection();
        services.AddStitchingPlatform(new ConfigurationBuilder().Build());
        services.AddSingleton(Options.Create(storage));
        services.AddSingleton(Options.Create(queue));
        services.AddSingleton(Options.Create(worker ?? new JobProcessorOptions
        {
            MaxDeliveries = queue.MaxDeliveries, LockDuration = queue.LockDuration, RetryDelay = queue.RetryDelay, MaxDeferrals = queue.MaxDeferrals,
        }));
        services.AddSingleton(loggerFactory ?? NullLoggerFactory.Instance);
        return services.BuildServiceProvider();
    }

    /// <summary>
    /// Creates tables, the checkpoints container and (Storage backend) queues; Service Bus queues are provisioned by infra.
    /// The datasets container is created by the first upload: a runner only ever reads it.
    /// </summary>
    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        await Storage.CreateIfNotExistsAsync(cancellationToken);
        await Checkpoints.CreateIfNotExistsAsync(cancellationToken);
        if (Queue is StorageJobQueue q) await q.CreateIfNotExistsAsync(cancellationToken);
    }

    /// <summary>
    /// Deletes what <see cref="CreateIfNotExistsAsync"/> creates: for short-lived platforms under their own name
    /// prefix (tests, <c>bench-platform</c>), never for a deployment's.
    /// </summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        foreach (var t in new[] { Storage.Sweeps, Storage.Jobs, Storage.Results, Storage.Analyses, Storage.Models }) await t.DeleteAsync(cancellationToken);
        await Checkpoints.Container.DeleteIfExistsAsync(cancellationToken: cancellationToken);
        await Datasets.Container.DeleteIfExistsAsync(cancellationToken: cancellationToken);
        if (Queue is StorageJobQueue q)
        {
            await q.Queue.DeleteIfExistsAsync(cancellationToken);
            await q.Poison.DeleteIfExistsAsync(cancellationToken);
        }
    }

    public JobProcessor CreateProcessor(IJobExecutor executor, JobProcessorOptions? options = null) =>
        new(Storage, Checkpoints, Queue, Coordinator.FanOut, executor, options ?? Processor, LoggerFactory.CreateLogger<JobProcessor>());
}
