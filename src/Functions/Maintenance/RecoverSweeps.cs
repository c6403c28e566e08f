using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Functions.Maintenance;

/// <summary>
/// The platform's recovery, on a timer because scale-to-zero keeps no idle runner to do it and Flex Consumption does not
/// finish work started after an HTTP answer: plans big sweeps stored as Planning, takes over plannings left behind,
/// re-sends jobs whose runner died, and records dead-lettered messages as Failed rows with their reason
/// (<see cref="SweepRecovery.RecoverAsync"/>). Offline, the local host runs the same method in a loop.
/// </summary>
public sealed class RecoverSweeps(SweepCoordinator coordinator, ILogger<RecoverSweeps> logger)
{
    /// <summary>Every minute (NCRONTAB with seconds). A pass over an idle deployment is a few table reads.</summary>
    public const string Schedule = "0 */1 * * * *";

    [Function(nameof(RecoverSweeps))]
    public async Task RunAsync([TimerTrigger(Schedule)] TimerInfo timer, CancellationToken cancellationToken)
    {
        var report = await coordinator.Recovery.RecoverAsync(cancellationToken);
        if (report.DidAnything)
            logger.LogInformation("Recovery: {DeadLetters} dead letters recorded, {Planned} sweeps planned, {Resent} jobs re-sent, {Sent} ready jobs sent",
                report.DeadLettersRecorded, report.SweepsPlanned, report.Resent, report.Sent);
    }
}
