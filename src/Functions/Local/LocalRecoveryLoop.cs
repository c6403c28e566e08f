using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stitching.Core.Storage;
using Stitching.Functions.Maintenance;

namespace Stitching.Functions.Local;

/// <summary>
/// The local host's stand-in for the timer trigger: runs <see cref="RecoverSweeps"/> every
/// <c>Stitching:Local:RecoveryInterval</c> (default 10 s), so offline sweeps recover with no runner alive, as in Azure.
/// </summary>
public sealed class LocalRecoveryLoop(IServiceProvider services, TimeSpan interval, ILogger<LocalRecoveryLoop> logger) : BackgroundService
{
    public const string IntervalKey = "Stitching:Local:RecoveryInterval";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recover = ActivatorUtilities.CreateInstance<RecoverSweeps>(services);
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
