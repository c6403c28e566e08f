using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;

namespace Stitching.Domain.Sweeps;

/// <summary>
/// What a sweep will cost before anything is queued (<c>sweep --dry-run</c>, <c>POST /api/sweeps?dryRun=true</c>):
/// its jobs and stitches exactly as submission plans them, its FLOPs at the stitches' maximum epochs (early
/// stopping only makes it cheaper), the activation memory one runner needs to cache a job's sender layers, and the
/// time on each device class of <see cref="DeviceCalibration.Table"/>.
/// </summary>
public sealed record SweepEstimate(
    int ModelJobs, int StitchJobs, int Stitches, long TrainImages, long HoldoutImages, long TestImages,
    double BaseModelTflop, double StitchTflop, double CacheMegabytesPerRunner, IReadOnlyList<DeviceTime> Times)
{
    /// <param name="plan">The spec's plan, from <see cref="SweepCoordinator.Plan"/> (validated, as a submission plans it).</param>
    /// <param name="dataset">The spec's dataset: its split sizes (for sweeps without limits), channels and classes.</param>
    public static SweepEstimate Create(SweepPlan plan, Datasets.DatasetInfo dataset, double? pricePerGpuHour = null)
    {
        var spec = plan.Spec;
        if (dataset.Name != spec.Dataset)
            throw new ArgumentException($"The estimate of a sweep on {spec.Dataset} was given the shape of {dataset.Name}.", nameof(dataset));
        var (subset, train, holdout, test) = Images(spec, dataset);

        var tasks = plan.Stitches.ToList();
        var stitchFlops = tasks.Sum(t => SweepFlops.Stitch(t, spec.Width, dataset, train, holdout, test, spec.Stitch.Epochs, spec.Stitch.EvalsPerEpoch))
                          + SweepFlops.CachedPrefixes(plan, spec.Width, dataset, train + holdout + test);
        var modelFlops = plan.Models.Sum(m => SweepFlops.BaseModel(m, dataset, subset, test));

        // A job caches each of its sender layers' activations on all three splits, in bf16 at best and fp32 at worst.
        double cacheBytes = plan.StitchGroups.Select(g =>
        {
            var layers = ArchitectureCatalog.Layers(ResNetSpec.Parse(g.Sender.Arch), g.Sender.Width);
            return g.SenderLayers.Sum(name => layers.First(l => l.Name == name).Elements) * 4.0 * (train + holdout + test);
        }).DefaultIfEmpty(0).Max();

        var total = stitchFlops + modelFlops;
        var times = DeviceCalibration.Table.Select(d =>
        {
            var seconds = total / (d.AchievedGflops * 1e9);
            double? cost = d.IsGpu && pricePerGpuHour is { } price ? Math.Round(seconds / 3600 * price, 2) : null;
            return new DeviceTime(d.Name, d.AchievedGflops, Math.Round(seconds, 1), d.Measured, d.Source, cost);
        }).ToList();
        return new SweepEstimate(plan.Models.Count(), plan.StitchJobs.Count(), tasks.Count, train, holdout, test,
            Math.Round(modelFlops / 1e12, 3), Math.Round(stitchFlops / 1e12, 3), Math.Round(cacheBytes / 1e6, 1), times);
    }

    /// <summary>
    /// Whether each job fits one runner execution, on the API's deployed device (<see cref="JobFit"/>); set by the API's
    /// dry run, null from the CLI's local estimate.
    /// </summary>
    public JobFit? Jobs { get; init; }

    /// <summary>
    /// The images a sweep's jobs see: the training subset (base models train on it), its stitch-training and held-out
    /// parts, and the test images; one rule for the estimate and <see cref="JobFit"/>.
    /// </summary>
    public static (long Subset, long Train, long Holdout, long Test) Images(SweepSpec spec, Datasets.DatasetInfo dataset)
    {
        long subset = Math.Min(spec.TrainLimit ?? dataset.TrainImages, dataset.TrainImages);
        var holdout = (long)Math.Round(subset * spec.Stitch.HoldoutFraction);
        return (subset, subset - holdout, holdout, Math.Min(spec.TestLimit ?? dataset.TestImages, dataset.TestImages));
    }
}

/// <summary>The estimated time of a sweep on one device class; <see cref="Cost"/> only for GPUs when a price per hour was given.</summary>
public sealed record DeviceTime(string Device, double AchievedGflops, double Seconds, bool Measured, string Source, double? Cost);

/// <summary>
/// Achieved throughput of the engine's default recipe on each device class: what a dry run divides FLOPs by.
/// Measured rows come from <c>bench</c> (the optimized path's achieved GFLOP/s); the others are estimates from
/// published peaks at an assumed fraction, marked so until a bench replaces them.
/// </summary>
public sealed record DeviceCalibration(string Name, double AchievedGflops, bool Measured, bool IsGpu, string Source)
{
    public static IReadOnlyList<DeviceCalibration> Table { get; } =
    [
        new("cpu: 2-core Xeon with AMX (bf16)", 257.0, true, false,
            "bench, docs/bench/bench.json (2026-11): optimized path 257 GFLOP/s, 60% of its 427 GFLOP/s bf16 matmul peak"),
        new("cpu: 2-core AVX2 EPYC (fp32)", 86.0, false, false,
            "estimate: 60% (the Xeon's achieved fraction) of 143 GFLOP/s fp32 that issue 12 reports measured with OpenBLAS on that CPU"),
        new("gpu: T4 (Consumption-GPU-NC8as-T4)", 2_000.0, false, true,
            "estimate: 25% of the T4's published 8.1 TFLOP/s fp32 (no bf16 on Turing); narrow CIFAR-size convs fill it poorly"),
        new("gpu: A100 (Consumption-GPU-NC24-A100)", 30_000.0, false, true,
            "estimate: 10% of the A100's published 312 TFLOP/s bf16 tensor-core peak"),
    ];
}
