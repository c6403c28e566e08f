using System.Globalization;

namespace Stitching.Domain.Sweeps;

/// <summary>
/// How big a sweep the API queues without being asked twice (<c>Stitching:Limits:*</c>): one more architecture or a
/// forgotten layer list turns an hour's sweep into a week of GPU time, so a submission whose <see cref="SweepEstimate"/>
/// exceeds these is refused; only an admin (the Function app's master key) may submit it anyway, at <c>/api/sweeps/over-limits</c>.
/// </summary>
public sealed class SweepLimitOptions
{
    public const string Section = "Stitching:Limits";

    public int MaxStitches { get; set; } = 5_000;

    /// <summary>Estimated hours on <see cref="DeviceClass"/>, at the stitches' maximum epochs (early stopping only makes it cheaper).</summary>
    public double MaxGpuHours { get; set; } = 24;

    /// <summary>
    /// The device class whose time counts: part of a <see cref="DeviceCalibration"/> name, matched case-insensitively.
    /// The default is the GPU profile that <c>infra</c> deploys unless told otherwise.
    /// </summary>
    public string DeviceClass { get; set; } = "Consumption-GPU-NC8as-T4";

    /// <summary>
    /// Seconds a runner execution may run before Container Apps stops it: the runner job's <c>replicaTimeout</c>, which
    /// <c>infra/main.bicep</c> passes to the API from the same parameter (<c>replicaTimeoutSeconds</c>), and
    /// <c>scripts/offline.sh</c> to its scaler. Every job is sized to fit it (<see cref="JobFit"/>); not waivable by an admin.
    /// </summary>
    public double ReplicaTimeoutSeconds { get; set; } = 7_200;

    /// <summary>
    /// The share of <see cref="ReplicaTimeoutSeconds"/> one job's estimate may take. The rest is margin: the GPU
    /// throughput of <see cref="DeviceCalibration"/> is an estimate, not a measurement, and the estimate leaves out the
    /// image pull, start-up, downloads and analyses.
    /// </summary>
    public double JobShare { get; set; } = 0.5;

    /// <summary>The seconds one job's estimate may take.</summary>
    public double JobBudgetSeconds => ReplicaTimeoutSeconds * JobShare;

    /// <summary>Null when the options make sense; otherwise what to fix, for the host to refuse to start with.</summary>
    public string? Problem()
    {
        if (MaxStitches < 1) return $"{Section}:MaxStitches must be at least 1, got {MaxStitches}.";
        if (!(MaxGpuHours > 0)) return $"{Section}:MaxGpuHours must be above 0, got {MaxGpuHours}.";
        if (!(ReplicaTimeoutSeconds > 0)) return $"{Section}:ReplicaTimeoutSeconds must be above 0 (the runner job's replicaTimeout), got {ReplicaTimeoutSeconds}.";
        if (!(JobShare is > 0 and <= 1)) return $"{Section}:JobShare must be in (0, 1], got {JobShare}.";
        if (string.IsNullOrWhiteSpace(DeviceClass) || Gpus().Count() != 1)
            return $"{Section}:DeviceClass must name one GPU device class ({string.Join("; ", DeviceCalibration.Table.Where(d => d.IsGpu).Select(d => d.Name))}), got '{DeviceClass}'.";
        return null;
    }

    /// <summary>The calibration of <see cref="DeviceClass"/>: what jobs are sized on.</summary>
    public DeviceCalibration Device => Gpus().First();

    /// <summary>The estimated time on <see cref="DeviceClass"/>.</summary>
    public DeviceTime Target(SweepEstimate estimate)
    {
        var name = Device.Name;
        return estimate.Times.First(t => t.Device == name);
    }

    private IEnumerable<DeviceCalibration> Gpus() => DeviceCalibration.Table.Where(d => d.IsGpu && d.Name.Contains(DeviceClass, StringComparison.OrdinalIgnoreCase));

    public double GpuHours(SweepEstimate estimate) => Target(estimate).Seconds / 3600;

    /// <summary>How a sweep over the limits is queued anyway: the sentence both refusals (422 over limits, 403 for acceptEstimate) end with.</summary>
    public const string AdminWay = "to queue it anyway, an admin submits it to POST /api/sweeps/over-limits with the Function app's master key " +
                                   "(a function key cannot waive the limits; acceptEstimate=true no longer does).";

    /// <summary>Null within the limits; otherwise the refusal, stating the estimate, the limits and how to go ahead.</summary>
    public string? Exceeded(SweepEstimate estimate)
    {
        var target = Target(estimate);
        var hours = GpuHours(estimate);
        if (estimate.Stitches <= MaxStitches && hours <= MaxGpuHours) return null;
        var estimated = string.Create(CultureInfo.InvariantCulture, $"{estimate.Stitches:N0} stitches and {hours:N1} GPU hours on {target.Device}");
        var limits = string.Create(CultureInfo.InvariantCulture, $"{MaxStitches:N0} stitches and {MaxGpuHours:N1} GPU hours");
        return $"This sweep is estimated at {estimated}; the limits are {limits} per submission ({Section}). " +
               "Check the estimate with dryRun=true; " + AdminWay;
    }
}
