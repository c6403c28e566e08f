using Azure.Data.Tables;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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

public static class StitchingPlatformServiceCollectionExtensions
{
    /// <summary>
    /// The platform every host shares (API, worker, CLI): <c>Stitching:Storage</c>, <c>Stitching:Queue</c> and
    /// <c>Stitching:Worker</c> bound to options (storage and queue validated when a host starts), one SDK client per
    /// service registered with <c>AddAzureClients</c> (<see cref="StorageClients.WithRetry"/>'s retries, the managed
    /// identity where no connection string or SAS is given), and <see cref="StitchingPlatform"/> with its parts as singletons.
    /// </summary>
    public static IServiceCollection AddStitchingPlatform(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLogging(logging => logging.AddFilter("Azure", LogLevel.Warning)); // the SDK's per-request events stay out of the logs
        services.AddOptions<StitchingStorageOptions>().Bind(configuration.GetSection(StitchingStorageOptions.Section)).ValidateOnStart();
        services.AddOptions<JobQueueOptions>().Bind(configuration.GetSection(JobQueueOptions.Section)).ValidateOnStart();
        services.AddOptions<JobProcessorOptions>().Bind(configuration.GetSection(JobProcessorOptions.Section))
            .Configure<IOptions<JobQueueOptions>>((worker, queue) =>
            {
                worker.MaxDeliveries = queue.Value.MaxDeliveries;
                worker.LockDuration = queue.Value.LockDuration;
                worker.RetryDelay = queue.Value.RetryDelay;
                worker.MaxDeferrals = queue.Value.MaxDeferrals;
            });
        services.AddSingleton<IValidateOptions<StitchingStorageOptions>, ValidateStorage>();
        services.AddSingleton<IValidateOptions<JobQueueOptions>, ValidateQueue>();

        services.AddAzureClients(clients =>
        {
            clients.UseCredential(_ => StorageClients.Credential());
            clients.ConfigureDefaults(options => StorageClients.WithRetry(options));
            clients.AddClient<TableServiceClient, TableClientOptions>((options, credential, sp) => StorageClients.Tables(Storage(sp), options, credential));
            clients.AddClient<BlobServiceClient, BlobClientOptions>((options, credential, sp) => StorageClients.Blobs(Storage(sp), options, credential));
            clients.AddClient<QueueServiceClient, QueueClientOptions>((options, credential, sp) => StorageClients.Queues(Storage(sp), options, credential));
            clients.AddClient<ServiceBusClient, ServiceBusClientOptions>((options, credential, sp) =>
                JobQueues.ServiceBus(sp.GetRequiredService<IOptions<JobQueueOptions>>().Value, options, credential));
        });

        services.AddSingleton(sp => new StitchingStorage(sp.GetRequiredService<TableServiceClient>(), Storage(sp).NamePrefix));
        services.AddSingleton(sp => new CheckpointStore(Container(sp, CheckpointStore.ContainerName)));
        services.AddSingleton(sp => new DatasetStore(Container(sp, DatasetStore.ContainerName)));
        services.AddSingleton(sp => JobQueues.Create(sp.GetRequiredService<IOptions<JobQueueOptions>>().Value, Storage(sp).NamePrefix,
            sp.GetRequiredService<QueueServiceClient>, sp.GetRequiredService<ServiceBusClient>));
        services.AddSingleton(sp => new SweepCoordinator(sp.GetRequiredService<StitchingStorage>(), sp.GetRequiredService<IJobQueue>(),
            sp.GetRequiredService<ILogger<SweepCoordinator>>()));
        services.AddSingleton(sp => new ResultsQuery(sp.GetRequiredService<StitchingStorage>()));
        services.AddSingleton(sp => new SweepQueries(sp.GetRequiredService<StitchingStorage>()));
        services.AddSingleton(sp => new StitchingPlatform(sp.GetRequiredService<StitchingStorage>(), sp.GetRequiredService<CheckpointStore>(),
            sp.GetRequiredService<DatasetStore>(), sp.GetRequiredService<IJobQueue>(), sp.GetRequiredService<SweepCoordinator>(),
            sp.GetRequiredService<ResultsQuery>(), sp.GetRequiredService<IOptions<JobProcessorOptions>>().Value, sp.GetRequiredService<ILoggerFactory>()));
        return services;
    }

    private static StitchingStorageOptions Storage(IServiceProvider services) => services.GetRequiredService<IOptions<StitchingStorageOptions>>().Value;

    private static BlobContainerClient Container(IServiceProvider services, string name) =>
        services.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(Storage(services).NamePrefix + name);
}

/// <summary>A host whose storage settings cannot reach a service refuses to start, naming the setting.</summary>
file sealed class ValidateStorage(IOptions<JobQueueOptions> queue) : IValidateOptions<StitchingStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StitchingStorageOptions options) =>
        StorageClients.Problem(options, queues: !queue.Value.UsesServiceBus) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}

file sealed class ValidateQueue : IValidateOptions<JobQueueOptions>
{
    public ValidateOptionsResult Validate(string? name, JobQueueOptions options) =>
        JobQueues.Problem(options) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
