using Stitching.Core.Analysis;
using System.Globalization;
using System.Text;
using Stitching.Core.Contracts;
using Stitching.Core.Results;
using Stitching.Core.Sweeps;
using Stitching.GpuRunner.Training;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Research;

/// <summary>
/// The Markdown of the findings report: provenance, the seed paper's four control patterns, the lower-left triangle,
/// the linear-probe/pixel-baseline/penalty controls, the copying-task comparison and the stitch-seed spread, all computed from the
/// experiments' rows so that every number in the text is reproducible from the CSV files next to it.
/// </summary>
public static partial class ReportWriter
{
    public static readonly string[] Sections =
    [
        "## How to reproduce", "## Base models", "## 1. The four control patterns", "## 2. The lower-left triangle",
        "## 3. Controls: linear probe, pixel baseline, stitching penalty", "## 4. Do task-trained stitches reproduce the expected representation?",
        "## 5. Spread over stitch seeds", "## Files",
    ];

    private delegate void Line(string text = "");

    private const double Early = 0.25, Late = 0.75;
    private static readonly string TrainedToTrained = Variant.TrainedToTrained.Name();

    /// <param name="provenance">The run's provenance, taken before the run wrote anything (its outputs may be tracked files).</param>
    public static string Write(ReportOptions options, SweepData data, Device device, IReadOnlyList<ExperimentOutcome> outcomes, TimeSpan elapsed, Provenance provenance)
    {
        var md = new StringBuilder();
        void L(string line = "") => md.Append(line).Append('\n');
        var stitch = options.Stitch;

        L("# Model stitching at CPU scale: findings report");
        L();
        L($"Generated {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC in {elapsed:hh\\:mm\\:ss} on {device.type.ToString().ToLowerInvariant()} ({get_num_threads()} threads)" +
          (options.Quick ? ", **quick settings (a smoke test, not findings)**." : "."));
        L("Rows of every matrix are sender layers (top = stem), columns receiver layers (left = stem); a cell is the test accuracy of");
        L("the stitched network, or the named metric, as in Hernandez, Dangovski & Lu, *Exploring neural network modularity using model stitching*.");
        L();

        L(Sections[0]);
        L();
        L("```");
        L(options.Command);
        L("```");
        L();
        L("| | |");
        L("|---|---|");
        L($"| commit | `{provenance.Commit}`{(provenance.Dirty ? " (uncommitted changes)" : "")} |");
        L($"| TorchSharp | {provenance.TorchSharp} |");
        L($"| libtorch | {provenance.LibTorch} |");
        L($"| device | {provenance.Device}, {provenance.Hardware}, {provenance.Precision}; {provenance.Runtime} |");
        L($"| provenance id | `{provenance.Id}` (the `provenance_id` of every results.csv row, and each sweep.json's provenance) |");
        L($"| dataset | {data.Dataset}: {data.TrainImages.shape[0]} stitch-training images + {data.HoldoutImages.shape[0]} held out (epoch choice), {data.TestImages.shape[0]} test images (class-balanced seeded subsets: --train-limit {Text(options.TrainLimit)}, --test-limit {Text(options.TestLimit)}) |");
        L($"| base models | width {options.Width} (stage s has {options.Width}·2^(s-1) channels), {options.ModelEpochs} epochs SGD on train + held-out images, defaults of `train` |");
        L($"| stitches | {stitch.Epochs} epochs, batch {stitch.BatchSize}, {stitch.Optimizer} lr {F(stitch.LearningRate, "0.####")} (warm-up {F(stitch.WarmupFraction, "0.##")} then cosine), weight decay {F(stitch.WeightDecay, "0.##")}, init `{stitch.Init}`, {stitch.Precision}; best epoch on the held-out split, test split used once |");
        L($"| copy stitches | same optimizer, schedule, epochs and batches, MSE to the receiver's own activations at the replaced layer, PyTorch default init |");
        L($"| least-squares stitches | exact normal equations over the training split, ridge {F(stitch.Ridge, "0.####")} × mean diagonal |");
        L($"| layers | {string.Join("; ", outcomes.SelectMany(o => new[] { o.Plan.Pairs[0].SenderArch.Name, o.Plan.Pairs[0].ReceiverArch.Name }).Distinct().Select(a => $"{a}: {string.Join(", ", options.Layers(a))}"))} |");
        L($"| CKA | linear CKA and debiased linear CKA (unbiased HSIC) from Gram matrices of the first {Math.Min(options.CkaImages, data.TestImages.shape[0])} test images at full resolution |");
        L($"| stitch seeds | {string.Join(", ", options.StitchSeeds)} in experiment `seeds`, {options.StitchSeeds[0]} elsewhere |");
        L();
        L($"Choices for two CPU cores: width {options.Width} instead of the paper's 64, a {Text(options.TrainLimit)}-image training subset, {options.ModelEpochs} model epochs and {stitch.Epochs} stitch");
        L("epoch(s), and the stem plus the output of each stage per network (for ResNet(1,1,1,1) that is every layer). Stitch training dominates the");
        L("cost: one pass of the frozen receiver suffix per image and epoch for each of the task stitch and the pixel baseline. Stitches start");
        L("from PyTorch's default initialization, not the sweep's least-squares start: starting at the copying task's optimum would make the");
        L("comparison of task- and copy-trained stitches circular. CIFAR-10: the same command with `--dataset cifar10` (after `download cifar10`).");
        L();

        L(Sections[1]);
        L();
        L("| architecture | seed | trained | test accuracy |");
        L("|---|---|---|---|");
        foreach (var m in outcomes.SelectMany(o => o.Models).DistinctBy(m => (m.Arch, m.Seed, m.Trained)).OrderBy(m => m.Arch).ThenBy(m => m.Seed).ThenBy(m => !m.Trained))
            L($"| {m.Arch} | {m.Seed} | {(m.Trained ? "yes" : "no (random control)")} | {P(m.Accuracy)} |");
        L();
        L("| experiment | pair | stitches | time |");
        L("|---|---|---|---|");
        foreach (var o in outcomes) L($"| `{o.Experiment.Name}` | {o.Experiment.Title} | {o.Results.Count} | {o.Elapsed:mm\\:ss} |");
        L();

        ControlPatterns(L, outcomes);
        Triangle(L, outcomes);
        Controls(L, outcomes);
        CopyTask(L, options, outcomes);
        Seeds(L, outcomes);

        L(Sections[7]);
        L();
        L("Each experiment folder is a sweep output folder: `results.csv` (task-trained stitches), `analysis.csv` (all metrics per cell and");
        L("stitch seed; empty = not computed), `models.csv`, `matrix-<variant>.json/png/svg`, `matrix-<variant>-<metric>.json`,");
        L("`matrices.png`, `analysis.png` (accuracies, CKA, above-probe, penalty) and `analysis-representation.png` (normalized MSE,");
        L("distribution distance, task-vs-copy MSE).");
        return md.ToString();
    }

    private static void ControlPatterns(Line L, IReadOnlyList<ExperimentOutcome> outcomes)
    {
        L(Sections[2]);
        L();
        var o = outcomes.FirstOrDefault(x => x.Plan.Variants.Count > 1);
        if (o is null) { L("No experiment ran the random controls."); L(); return; }
        L($"Experiment `{o.Experiment.Name}`: {o.Experiment.Title}. Early = relative depth <= {Early}, late = >= {Late} (stem 0, last block 1).");
        L();
        L($"![four variants]({o.Directory}/matrices.png)");
        L();
        L("| variant | mean | std | min | max | late->late | other cells | into early receivers | into late receivers | lower-left | upper-right |");
        L("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var v in o.Plan.Variants)
        {
            var m = TaskMatrix(o, v);
            var all = PatternStatistics.Summary.Of(PatternStatistics.Cells(m).Select(c => c.Value));
            var lateLate = PatternStatistics.Region(m, (s, r) => s >= Late && r >= Late).Mean;
            var other = PatternStatistics.Region(m, (s, r) => !(s >= Late && r >= Late)).Mean;
            var intoEarly = PatternStatistics.Region(m, (_, r) => r <= Early).Mean;
            var intoLate = PatternStatistics.Region(m, (_, r) => r >= Late).Mean;
            var t = PatternStatistics.TriangleOf(m);
            L($"| {v.Name()} | {P(all.Mean)} | {P(all.Std)} | {P(all.Min)} | {P(all.Max)} | {P(lateLate)} | {P(other)} | {P(intoEarly)} | {P(intoLate)} | {P(t.Below.Mean)} | {P(t.Above.Mean)} |");
        }
        L();
        // The verdicts are the sweep's (patterns.md): statistics with bootstrap intervals and permutation tests, head-only
        // columns left out; the table above includes them.
        var pair = o.Plan.Pairs[0];
        var headOnly = CellMatrix.HeadOnlyColumns(pair);
        L("The paper's four patterns, each as a statistic with its 95% bootstrap interval, a one-sided permutation test and a verdict");
        L($"(head-only receiver columns {string.Join(", ", headOnly)} left out: a stitch there is a linear probe; the rule is the sweep's `patterns.md`, see README):");
        L();
        L(Sweeps.SweepOutputs.PatternsMarkdown(Sweeps.SweepOutputs.Patterns(pair, o.Results)).TrimEnd());
        L();
    }

    private static void Triangle(Line L, IReadOnlyList<ExperimentOutcome> outcomes)
    {
        L(Sections[3]);
        L();
        L("Cells of the trained->trained matrix split by relative depth: below the diagonal (sender layer relatively deeper than the");
        L("receiver layer it replaces: the lower-left triangle), on it, and above it. Mean task-trained stitch accuracy (cells):");
        L();
        L("| experiment | below (lower-left) | diagonal | above (upper-right) | below - above | above-probe below | above-probe above |");
        L("|---|---|---|---|---|---|---|");
        foreach (var o in outcomes)
        {
            var t = PatternStatistics.TriangleOf(TaskMatrix(o, Variant.TrainedToTrained));
            var d = PatternStatistics.TriangleOf(Metric(o, "above_probe"));
            L($"| `{o.Experiment.Name}` | {P(t.Below.Mean)} ({t.Below.Count}) | {P(t.Diagonal.Mean)} ({t.Diagonal.Count}) | {P(t.Above.Mean)} ({t.Above.Count}) | {Pts(t.Difference)} | {Pts(d.Below.Mean)} | {Pts(d.Above.Mean)} |");
        }
        L();
        foreach (var o in outcomes) L($"![{o.Experiment.Name}]({o.Directory}/analysis.png)");
        L();
    }

    private static void Controls(Line L, IReadOnlyList<ExperimentOutcome> outcomes)
    {
        L(Sections[4]);
        L();
        L("Linear probe: the sender layer's average-pooled features through a trained linear readout (what any linear readout of");
        L("the sender reaches; a stitch into a head-only column is one). Pixel baseline: a stitch of the same kind from the raw pixels");
        L("into the receiver layer, started from least squares and trained like every stitch. Penalty: the receiver's own test");
        L("accuracy minus the stitched accuracy. Trained receivers:");
        L();
        L("| experiment | receiver layer | receiver accuracy | mean linear probe (over sender layers) | pixel baseline | mean stitched (over sender layers) | mean penalty |");
        L("|---|---|---|---|---|---|---|");
        foreach (var o in outcomes)
        foreach (var g in Rows(o, Variant.TrainedToTrained).GroupBy(r => r.ReceiverLayer))
            L($"| `{o.Experiment.Name}` | {g.Key} | {P(g.First().ReceiverAccuracy)} | {P(g.Average(r => r.ProbeAccuracy))} | {P(g.Average(r => r.PixelBaselineAccuracy))} | {P(g.Average(r => r.TaskAccuracy))} | {Pts(g.Average(r => r.Penalty))} |");
        L();
        var all = outcomes.SelectMany(o => Rows(o, Variant.TrainedToTrained)).ToList();
        var beatsPixels = all.Count(r => r.TaskAccuracy > r.PixelBaselineAccuracy);
        var beatsProbe = all.Count(r => r.TaskAccuracy > r.ProbeAccuracy);
        L($"Over all {all.Count} trained->trained cells: {beatsPixels} stitched networks beat the pixel baseline of their receiver layer");
        L($"(the sender contributes more than raw pixels through the same stitch), {beatsProbe} beat the linear probe of their sender layer");
        L($"(the receiver's suffix adds to a linear readout); mean penalty {Pts(all.Select(r => r.Penalty).DefaultIfEmpty(double.NaN).Average())}.");
        L();
    }

    private static void CopyTask(Line L, ReportOptions options, IReadOnlyList<ExperimentOutcome> outcomes)
    {
        L(Sections[5]);
        L();
        L("The seed paper's open question. For every trained->trained cell three stitches are compared on the test split: the");
        L("task-trained stitch, one trained on the copying task (MSE to the expected representation, the receiver's own output at the");
        L("replaced layer) and the closed-form least-squares stitch of the same task. Normalized MSE is MSE over the expected");
        L("representation's variance (1 = predicting its mean); distribution distance is the mean over channels of |mean shift|/std");
        L("plus |log variance ratio| (0 = same per-channel first two moments). Medians over cells (normalized MSE is heavy-tailed):");
        L();
        L("| experiment | acc task | acc copy | acc LS | nMSE task | nMSE copy | nMSE LS | dist task | dist copy | dist LS | task nMSE > copy nMSE | MSE(task, copy) / MSE(copy) |");
        L("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var o in outcomes)
        {
            var rows = Rows(o, Variant.TrainedToTrained).ToList();
            double Med(Func<AnalysisResult, double> f) => PatternStatistics.Median(rows.Select(f));
            var worse = rows.Count(r => r.TaskNormalizedMse > r.CopyNormalizedMse);
            L($"| `{o.Experiment.Name}` | {P(rows.Average(r => r.TaskAccuracy))} | {P(rows.Average(r => r.CopyAccuracy))} | {P(rows.Average(r => r.LeastSquaresAccuracy))} | " +
              $"{F(Med(r => r.TaskNormalizedMse))} | {F(Med(r => r.CopyNormalizedMse))} | {F(Med(r => r.LeastSquaresNormalizedMse))} | " +
              $"{F(Med(r => r.TaskDistributionDistance))} | {F(Med(r => r.CopyDistributionDistance))} | {F(Med(r => r.LeastSquaresDistributionDistance))} | " +
              $"{worse}/{rows.Count} | {F(Med(r => r.TaskCopyMse / r.CopyMse))} |");
        }
        L();
        var all = outcomes.SelectMany(o => Rows(o, Variant.TrainedToTrained)).ToList();
        var ckaTask = PatternStatistics.Correlation(all.Select(r => (r.Cka, r.TaskAccuracy)));
        var ckaCopy = PatternStatistics.Correlation(all.Select(r => (r.Cka, r.CopyAccuracy)));
        var nmseAcc = PatternStatistics.Correlation(all.Select(r => (Math.Log10(r.TaskNormalizedMse), r.TaskAccuracy)));
        var copyTask = PatternStatistics.Correlation(all.Select(r => (r.CopyAccuracy, r.TaskAccuracy)));
        L($"Across all {all.Count} trained->trained cells: Pearson r(CKA, task accuracy) = {F(ckaTask)}, r(CKA, copy accuracy) = {F(ckaCopy)},");
        L($"r(log10 task nMSE, task accuracy) = {F(nmseAcc)}, r(copy accuracy, task accuracy) = {F(copyTask)}.");
        L();
        var medTask = PatternStatistics.Median(all.Select(r => r.TaskNormalizedMse));
        var medCopy = PatternStatistics.Median(all.Select(r => r.CopyNormalizedMse));
        var accTask = all.Select(r => r.TaskAccuracy).DefaultIfEmpty(double.NaN).Average();
        var accCopy = all.Select(r => r.CopyAccuracy).DefaultIfEmpty(double.NaN).Average();
        var medLs = PatternStatistics.Median(all.Select(r => r.LeastSquaresNormalizedMse));
        var accLs = all.Select(r => r.LeastSquaresAccuracy).DefaultIfEmpty(double.NaN).Average();
        var ratio = medTask / medCopy;
        L($"**Reading.** Task-trained stitches reach a mean accuracy of {P(accTask)} against {P(accCopy)} for copy-trained ones and {P(accLs)} for");
        L($"the least-squares stitch. Their outputs have a median normalized MSE of {F(medTask)} to the expected representation: {F(ratio)}x that of");
        L($"copy-trained stitches ({F(medCopy)}) and {F(medTask / medLs)}x that of the least-squares optimum ({F(medLs)}); 1 would be as far as its mean. " + (ratio > 1.5 && accTask >= accCopy
            ? "Task training reaches at least the copy stitch's accuracy without reproducing the expected representation: it finds another input that the suffix maps to the right class, as the seed paper hypothesizes."
            : ratio > 1.5
                ? "The task-trained stitch is further from the expected representation yet not more accurate than the copy stitch, so its accuracy is not explained by reproducing the representation."
                : "The task-trained stitch is about as close to the expected representation as a stitch trained to copy it, so these runs do not support the hypothesis that it finds a different representation."));
        if (accLs > accTask)
            L("\nThe closed-form stitch that does reproduce the representation (in the least-squares sense) is *more* accurate than the task-trained one, so at this training budget the task stitch is not a better solution the copy objective misses; it is an under-trained one that has moved away from the expected representation.");
        var selfRows = outcomes.FirstOrDefault(o => o.Experiment.Name == "self") is { } so ? Rows(so, Variant.TrainedToTrained).Where(r => r.SenderLayer == r.ReceiverLayer).ToList() : [];
        if (selfRows.Count > 0)
            L($"\nCaveat: on the diagonal of `self`, where the identity is a perfect stitch (penalty 0), task-trained stitches reach {P(selfRows.Average(r => r.TaskAccuracy))} on average against the receiver's {P(selfRows.Average(r => r.ReceiverAccuracy))} and the least-squares stitch's {P(selfRows.Average(r => r.LeastSquaresAccuracy))}: with {options.StitchEpochs} epoch(s) from a random initialization, task stitching under-estimates similarity; see the per-layer table below; more epochs (`--stitch-epochs`) shrink this.");
        L();

        var self = outcomes.FirstOrDefault(o => o.Experiment.Name == "self");
        if (self is not null)
        {
            L("Out-of-distribution artefact (Balogh & Jelasity 2025: a task-trained stitch can rate a distant layer as more similar than the");
            L("layer itself). In `self` the diagonal stitch could be the identity; per receiver layer, the diagonal task accuracy against the");
            L("best other sender layer, and the distribution distance of each stitch's output from the expected activations:");
            L();
            L("| receiver layer | diagonal accuracy | best other sender | its accuracy | dist diagonal | dist best other | CKA diagonal | CKA best other |");
            L("|---|---|---|---|---|---|---|---|");
            var rows = Rows(self, Variant.TrainedToTrained).ToList();
            var beaten = 0;
            foreach (var g in rows.GroupBy(r => r.ReceiverLayer))
            {
                var diag = g.FirstOrDefault(r => r.SenderLayer == r.ReceiverLayer);
                var best = g.Where(r => r.SenderLayer != r.ReceiverLayer).OrderByDescending(r => r.TaskAccuracy).FirstOrDefault();
                if (diag is null || best is null) continue;
                if (best.TaskAccuracy > diag.TaskAccuracy) beaten++;
                L($"| {g.Key} | {P(diag.TaskAccuracy)} | {best.SenderLayer} | {P(best.TaskAccuracy)} | {F(diag.TaskDistributionDistance)} | {F(best.TaskDistributionDistance)} | {F(diag.Cka)} | {F(best.Cka)} |");
            }
            L();
            L($"In {beaten} receiver layer(s) another sender layer scores higher than the layer itself.");
            L();
        }
        foreach (var o in outcomes) L($"![{o.Experiment.Name} representation]({o.Directory}/{AnalysisOutputs.RepresentationGrid})");
        L();
    }

    private static void Seeds(Line L, IReadOnlyList<ExperimentOutcome> outcomes)
    {
        L(Sections[6]);
        L();
        var o = outcomes.FirstOrDefault(x => x.Plan.Spec.StitchSeeds.Count > 1);
        if (o is null) { L("No experiment ran several stitch seeds."); L(); return; }
        var pair = o.Plan.Pairs[0];
        L($"Experiment `{o.Experiment.Name}` trains every stitch with seeds {string.Join(", ", o.Plan.Spec.StitchSeeds)} (initialization and batch order).");
        L("Standard deviation over seeds per cell, summarized over cells:");
        L();
        L("| metric | mean of cell means | mean std | max std |");
        L("|---|---|---|---|");
        foreach (var (column, title) in new[] { ("task_accuracy", "task accuracy"), ("copy_accuracy", "copy accuracy"), ("ls_accuracy", "least-squares accuracy"), ("task_nmse", "task normalized MSE"), ("copy_nmse", "copy normalized MSE") })
        {
            var (mean, std) = AnalysisOutputs.Matrix(pair, Variant.TrainedToTrained, o.Analyses, column, title);
            var means = PatternStatistics.Summary.Of(mean.Values.SelectMany(r => r).Where(v => v.HasValue).Select(v => v!.Value));
            var stds = PatternStatistics.Summary.Of(std.Values.SelectMany(r => r).Where(v => v.HasValue).Select(v => v!.Value));
            var fmt = column.EndsWith("accuracy") ? (Func<double, string>)P : x => F(x);
            L($"| {title} | {fmt(means.Mean)} | {fmt(stds.Mean)} | {fmt(stds.Max)} |");
        }
        L();
        L($"![mean]({o.Directory}/matrix-trained-trained.png) ![std]({o.Directory}/matrix-trained-trained-task-accuracy-std.png)");
        L();
    }

    private static IEnumerable<AnalysisResult> Rows(ExperimentOutcome o, Variant v) => o.Analyses.Where(r => r.Variant == v.Name());

    private static SimilarityMatrix TaskMatrix(ExperimentOutcome o, Variant v) => AnalysisOutputs.Matrix(o.Plan.Pairs[0], v, o.Analyses, "task_accuracy", "task").Mean;

    private static SimilarityMatrix Metric(ExperimentOutcome o, string column) =>
        AnalysisOutputs.Matrix(o.Plan.Pairs[0], Variant.TrainedToTrained, o.Analyses, column, column).Mean;

    private static string P(double v) => double.IsNaN(v) ? "n/a" : (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";
    private static string Pts(double v) => double.IsNaN(v) ? "n/a" : (100 * v).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture) + " pts";
    private static string F(double v, string format = "0.###") => double.IsNaN(v) ? "n/a" : Math.Abs(v) >= 1e4 ? v.ToString("0.0E+0", CultureInfo.InvariantCulture) : v.ToString(format, CultureInfo.InvariantCulture);
    private static string Text(int? v) => v?.ToString(CultureInfo.InvariantCulture) ?? "all";
}
