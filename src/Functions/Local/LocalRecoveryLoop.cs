using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Maintenance;
using Stitching.Platform;
using Stitching.Platform.Coordination;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;

namespace Stitching.Functions.Local;

/// <summary>
/// The local host's stand-in for the timer trigger: runs <see cref="RecoverSweeps"/> every
/// <c>Stitching:Local:RecoveryInterval</c> (default 10 s), so offline sweeps recover with no runner alive, as in Azure.
/// In Azure the timer shares the Function app's identity; offline it can run with its own rights: keys under
/// <c>Stitching:Local:Timer</c> (e.g. <c>Stitching__Local__Timer__Storage__TableServiceUri</c>) replace the matching
/// <c>Stitching:*</c> keys for the loop only, so the API's SAS and the timer's stay apart in one process.
/// </summary>
public sealed class LocalRecoveryLoop(IServiceProvider services, TimeSpan interval, ILogger<LocalRecoveryLoop> logger) : BackgroundService
{
    public const string IntervalKey = "Stitching:Local:RecoveryInterval";
    public const string TimerSection = "Stitching:Local:Timer";

    /// <summary>
    /// Registers the timer's own coordinator, keyed <see cref="TimerSection"/>, when that section gives keys: its own
    /// table, queue and Service Bus clients, from <c>Stitching:*</c> with the keys under <see cref="TimerSection"/> put in
    /// their place (a connection string left out of them is blanked when they give a service URI, so the API's does not win).
    /// </summary>
    public static void AddTimerCoordinator(IServiceCollection services, IConfiguration configuration)
    {
        if (!configuration.GetSection(TimerSection).Exists()) return;
        var own = configuration.GetSection(TimerSection).AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null)
            .ToDictionary(kv => "Stitching:" + kv.Key, kv => kv.Value);
        var connectionString = $"{StitchingStorageOptions.Section}:{nameof(StitchingStorageOptions.ConnectionString)}";
        if (own.Keys.Any(k => k.StartsWith(StitchingStorageOptions.Section + ":", StringComparison.OrdinalIgnoreCase) && k.EndsWith("ServiceUri", StringComparison.OrdinalIgnoreCase)))
            own.TryAdd(connectionString, "");
        var timer = new ConfigurationBuilder().AddConfiguration(configuration).AddInMemoryCollection(own).Build();
        var storage = timer.GetSection(StitchingStorageOptions.Section).Get<StitchingStorageOptions>() ?? new();
        var queue = timer.GetSection(JobQueueOptions.Section).Get<JobQueueOptions>() ?? new();
        // The platform's own wiring (StitchingPlatform.CreateCoordinator) under the timer's options: the same clients,
        // retries and credential as every host, and no blob client, since the timer never touches a blob.
        services.AddKeyedSingleton(TimerSection, (sp, _) => StitchingPlatform.CreateCoordinator(storage, queue, sp.GetRequiredService<ILoggerFactory>()));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recover = services.GetKeyedService<SweepCoordinator>(TimerSection) is { } own
            ? ActivatorUtilities.CreateInstance<RecoverSweeps>(services, own)
            : ActivatorUtilities.CreateInstance<RecoverSweeps>(services);
        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await recover.RunAsync(new TimerInfo(), stoppingToken);
            }
            catch (Exception e) when (StorageFailures.Is(e)) // storage down: the next tick tries again, as the timer would
            {
                logger.LogWarning(e, "Recovery pass failed; next in {Interval}", interval);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
