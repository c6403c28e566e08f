using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Sweeps;

namespace Stitching.Engine.Benchmarks;

/// <summary>The benchmark's FLOP counts: what a sweep costs by the layer catalogue, and the bound a whole sweep cannot beat.</summary>
public static class BenchmarkFlops
{
    public sealed record FlopCount(double TrainingPerStitch, double Optimized, double Baseline, double PrefixOptimized, double PrefixBaseline);

    /// <summary>
    /// What bounds the whole sweep of this spec (every layer pair, full test set, stitches at their maximum epochs,
    /// base models included): its FLOPs, and the seconds they take at this machine's measured matmul peaks (stitch
    /// work at the engine's precision, base-model training in fp32). No implementation on this machine can be faster than that.
    /// </summary>
    public static object ExampleSweepBound(SweepSpec spec, DatasetInfo dataset, long trainSubset, double holdoutFraction, double peakStitches, double peakFp32)
    {
        var testSetSize = dataset.TestImages;
        var full = SweepPlan.Create(spec with { SenderLayers = null, ReceiverLayers = null });
        var holdout = (long)Math.Round(trainSubset * holdoutFraction);
        var train = trainSubset - holdout;
        var stitches = Count(full, full.Stitches.ToList(), _ => spec.Stitch.Epochs, spec, dataset, train, holdout, testSetSize, 0).Optimized;
        var models = full.Models.Where(m => m.Trained).Sum(m => SweepFlops.BaseModel(m, dataset, trainSubset, testSetSize));
        var seconds = stitches / (peakStitches * 1e9) + models / (peakFp32 * 1e9);
        return new
        {
            stitches = full.Stitches.Count(), stitchTflop = stitches / 1e12, baseModelTflop = models / 1e12,
            secondsAtMeasuredPeak = Math.Round(seconds, 1),
        };
    }

    /// <summary>
    /// FLOPs (2 per multiply-accumulate) from the layer catalogue. Training a stitch costs, per image: stitch forward
    /// and backward (3x its MACs) plus the suffix forward and its input-gradient backward (2x). The baseline adds the
    /// prefix forward every step; the optimized path computes each (sender, layer) prefix once per split.
    /// </summary>
    public static FlopCount Count(SweepPlan plan, IReadOnlyList<StitchTask> tasks, Func<StitchTask, double> epochsRun, SweepSpec spec, DatasetInfo dataset,
        long train, long holdout, long test, int baselineEpochs)
    {
        double opt = 0, baseline = 0, perStitch = 0, prefixBase = 0;
        var w = spec.Width;
        foreach (var t in tasks)
        {
            perStitch += SweepFlops.TrainingPerImage(t, w, dataset) * train * spec.Stitch.Epochs / tasks.Count;
            opt += SweepFlops.Stitch(t, w, dataset, train, holdout, test, epochsRun(t), spec.Stitch.EvalsPerEpoch);
            // The baseline recomputes the sender's prefix on every step and has no held-out checks.
            var prefix = SweepFlops.PrefixPerImage(t, w, dataset);
            baseline += (SweepFlops.TrainingPerImage(t, w, dataset) + prefix) * train * baselineEpochs + (prefix + SweepFlops.EvaluationPerImage(t, w, dataset)) * test;
            prefixBase += prefix * (train * baselineEpochs + test);
        }
        var prefixOpt = SweepFlops.CachedPrefixes(plan, w, dataset, train + holdout + test);
        opt += prefixOpt;
        return new FlopCount(perStitch, opt, baseline, prefixOpt, prefixBase);
    }

}
