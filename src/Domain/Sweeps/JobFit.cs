using System.Globalization;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;

namespace Stitching.Domain.Sweeps;

/// <summary>
/// Whether every job of a sweep fits one runner execution. Container Apps stops an execution at its replica timeout
/// (<see cref="SweepLimitOptions.ReplicaTimeoutSeconds"/>), and each stop costs one of the message's deliveries, so a job
/// longer than that dead-letters after a few stops. The API therefore sizes stitch jobs before anything is stored:
/// <see cref="SweepSpec.StitchesPerJob"/> is lowered to the largest value whose every job's estimate (its stitches at
/// their maximum epochs plus its sender prefixes, <see cref="SweepFlops"/>, on the deployed GPU's
/// <see cref="DeviceCalibration"/>) stays under <see cref="BudgetSeconds"/>; the lowered value is stored with the spec, so
/// every later plan of the sweep (the timer's, a retry's) makes the same jobs. A sweep whose single unit (one model's
/// training, or one stitch) cannot fit is refused with both numbers: no split can help it.
/// </summary>
/// <param name="Device">The device class jobs are sized on.</param>
/// <param name="ReplicaTimeoutSeconds">The runner execution's limit.</param>
/// <param name="BudgetSeconds">What one job's estimate may take: <see cref="SweepLimitOptions.JobShare"/> of the limit.</param>
/// <param name="RequestedStitchesPerJob">The spec's <see cref="SweepSpec.StitchesPerJob"/>.</param>
/// <param name="StitchesPerJob">The sized value the sweep is stored with (the requested one when it fits; 0 when refused).</param>
/// <param name="LongestModelJobSeconds">The longest model job's estimate.</param>
/// <param name="LongestStitchJobSeconds">The longest stitch job's estimate after sizing (when refused: the longest single stitch's).</param>
/// <param name="Problem">Null when every job fits; otherwise the refusal, naming the unit, its estimate and the limit.</param>
public sealed record JobFit(
    string Device, double ReplicaTimeoutSeconds, double BudgetSeconds, int RequestedStitchesPerJob, int StitchesPerJob,
    double LongestModelJobSeconds, double LongestStitchJobSeconds, string? Problem)
{
    /// <summary>The plan with its stitch jobs sized to fit (the same plan when they already did), and how they fit.</summary>
    public static (SweepPlan Plan, JobFit Fit) Size(SweepPlan plan, DatasetInfo dataset, SweepLimitOptions limits)
    {
        var spec = plan.Spec;
        var device = limits.Device;
        double Seconds(double flops) => flops / (device.AchievedGflops * 1e9);
        var (subset, train, holdout, test) = SweepEstimate.Images(spec, dataset);

        // A runner scores base models on the whole test set (model keys have no test subset).
        var longestModel = plan.Models.Select(m => (Model: m, Seconds: Seconds(SweepFlops.BaseModel(m, dataset, subset, dataset.TestImages))))
            .MaxBy(m => m.Seconds);
        var pairs = plan.Pairs.Select(p => PairCosts.Of(p, spec, dataset, train, holdout, test, Seconds)).ToList();
        JobFit Fit(int perJob, double stitchJobSeconds, string? problem) => new(device.Name, limits.ReplicaTimeoutSeconds, limits.JobBudgetSeconds,
            spec.StitchesPerJob, perJob, Round(longestModel.Seconds), Round(stitchJobSeconds), problem);

        if (longestModel.Model is { } model && longestModel.Seconds > limits.JobBudgetSeconds)
            return (plan, Fit(0, 0, Refusal(limits, device,
                $"Model job {model.Key} ({model.Arch} width {model.Width}, {model.Training.Epochs} epochs on {subset:N0} images)", longestModel.Seconds,
                "train the base models for fewer epochs or on fewer images (trainLimit)")));

        // Largest first: the first size whose every job fits. Not a bisection: a job's cost need not grow with the size
        // (chunks of receiver layers fall differently), so each size is checked.
        for (var perJob = spec.StitchesPerJob; perJob >= 1; perJob--)
        {
            var longest = pairs.Count == 0 ? 0 : pairs.Max(p => p.LongestJob(perJob));
            if (longest > limits.JobBudgetSeconds) continue;
            var sized = perJob == spec.StitchesPerJob ? plan : SweepPlan.Create(spec with { StitchesPerJob = perJob });
            return (sized, Fit(perJob, longest, null));
        }
        var (stitch, seconds) = pairs.Select(p => p.LongestStitch()).MaxBy(s => s.Seconds);
        return (plan, Fit(0, seconds, Refusal(limits, device, $"The stitch {stitch} alone", seconds,
            "train stitches for fewer epochs (stitch.epochs) or on fewer images (trainLimit), or drop that layer")));
    }

    private static string Refusal(SweepLimitOptions limits, DeviceCalibration device, string unit, double seconds, string remedy) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{unit} is estimated at {seconds:N0} s on {device.Name}; one job may take {limits.JobBudgetSeconds:N0} s, ") +
        string.Create(CultureInfo.InvariantCulture,
            $"{limits.JobShare * 100:0.#}% of the runner's {limits.ReplicaTimeoutSeconds:N0} s replica timeout ({SweepLimitOptions.Section}:ReplicaTimeoutSeconds, ") +
        $"infra/main.bicep's replicaTimeoutSeconds), and it cannot be split. To run it, {remedy}, or deploy with a longer replicaTimeoutSeconds.";

    private static double Round(double seconds) => Math.Round(seconds, 1);

    /// <summary>
    /// One (sender, receiver) pair's estimate per stitch and per sender prefix. Every variant, model seed and stitch seed
    /// of the pair has the same layer grid and the same FLOPs, so one grid stands for all its jobs.
    /// </summary>
    private sealed class PairCosts(StitchGroup all, Dictionary<(string, string), (StitchTask Task, double Seconds)> stitches, Dictionary<string, double> prefixes)
    {
        public static PairCosts Of(PairPlan pair, SweepSpec spec, DatasetInfo data, long train, long holdout, long test, Func<double, double> seconds)
        {
            var first = pair.Stitches[0];
            // One group holding the whole grid: its tasks are every (sender layer, receiver layer) cell, shaped by the catalogue.
            var all = StitchGroup.Partition(first.Variant, first.Sender, first.Receiver, pair.SenderLayers.Select(l => l.Name).ToList(),
                pair.ReceiverLayers.Select(l => l.Name).ToList(), first.StitchSeed, spec.Stitch.BatchNorm, int.MaxValue).Single();
            var stitches = new Dictionary<(string, string), (StitchTask, double)>();
            var prefixes = new Dictionary<string, double>();
            foreach (var t in all.Tasks())
            {
                stitches[(t.SenderLayer, t.ReceiverLayer)] = (t, seconds(SweepFlops.Stitch(t, spec.Width, data, train, holdout, test, spec.Stitch.Epochs, spec.Stitch.EvalsPerEpoch)));
                // A job computes each of its sender layers' activations once, on all three splits (the activation cache).
                prefixes.TryAdd(t.SenderLayer, seconds(SweepFlops.PrefixPerImage(t, spec.Width, data) * (train + holdout + test)));
            }
            return new PairCosts(all, stitches, prefixes);
        }

        /// <summary>The longest job when the grid is split as submission splits it into jobs of at most <paramref name="perJob"/> stitches.</summary>
        public double LongestJob(int perJob) =>
            StitchGroup.Partition(all.Variant, all.Sender, all.Receiver, all.SenderLayers, all.ReceiverLayers, all.StitchSeed, all.BatchNorm, perJob)
                .Max(g => g.SenderLayers.Sum(i => prefixes[i] + g.ReceiverLayers.Sum(j => stitches[(i, j)].Seconds)));

        /// <summary>The single stitch (with its prefix) that takes longest: a job of one stitch is the smallest there is.</summary>
        public (string Stitch, double Seconds) LongestStitch()
        {
            var ((i, j), (task, s)) = stitches.MaxBy(kv => kv.Value.Seconds + prefixes[kv.Key.Item1]);
            return ($"{task.Sender.Arch} {i} -> {task.Receiver.Arch} {j}", s + prefixes[i]);
        }
    }
}
