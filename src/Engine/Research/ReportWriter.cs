using System.Globalization;
using System.Text;
using Stitching.Domain.Analysis;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Training;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;
using static TorchSharp.torch;

namespace Stitching.Engine.Research;

/// <summary>
/// The Markdown of the findings report: provenance, the seed paper's four control patterns, the lower-left triangle,
/// the linear-probe/pixel-baseline/penalty controls, the copying-task comparison and the stitch-seed spread, all computed from the
/// experiments' rows so that every number in the text is reproducible from the CSV files next to it.
/// </summary>
public static partial class ReportWriter
{
    public static readonly string[] Sections =
    [
        "## How to reproduce", "## Base models", "## Convergence", "## 1. The four control patterns", "## 2. The lower-left triangle",
        "## 3. Controls: linear probe, pixel baseline, stitching penalty", "## 4. Do task-trained stitches reproduce the expected representation?",
        "## 5. Spread over model seeds", "## Files",
    ];

    private delegate void Line(string text = "");

    // The pattern design's registered cuts, so the descriptive tables split the cells where the verdicts do.
    private static double Early => PatternDesign.Default.EarlyCut;
    private static double Late => PatternDesign.Default.LateCut;
    private static readonly string TrainedToTrained = Variant.TrainedToTrained.Name();

    /// <param name="provenance">The run's provenance, taken before the run wrote anything (its outputs may be tracked files).</param>
    public static string Write(ReportOptions options, SweepData data, Device device, IReadOnlyList<ExperimentOutcome> outcomes, CopyingOutcome? copying,
        TimeSpan elapsed, Provenance provenance)
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
        L($"| base models | width {options.Width} (stage s has {options.Width}·2^(s-1) channels), {options.ModelEpochs} epochs SGD on the training images only (the held-out images choose stitch weights, so the frozen networks never fit them), {options.Model.RandomInit.Name()} initialization; seeds {string.Join(", ", options.SenderSeeds)} (senders) and {string.Join(", ", options.ReceiverSeeds)} (receivers), paired by position |");
        L($"| task stitches | the sweep's recipe: least-squares start ({stitch.InitImages} images, ridge {F(stitch.Ridge, "0.####")} × mean diagonal), then {stitch.Optimizer.Name()} lr {F(stitch.LearningRate, "0.####")} (warm-up {F(stitch.WarmupFraction, "0.##")} then cosine over the cap), weight decay {F(stitch.WeightDecay, "0.##")}, batch {stitch.BatchSize}; the held-out split is checked {stitch.EvalsPerEpoch} times an epoch, the lowest held-out loss's weights are kept, {(stitch.Patience == 0 ? $"every stitch runs to the cap of {stitch.Epochs} epochs (no early stop)" : $"after {F(stitch.Patience)} epochs of checks without a gain beyond {F(stitch.MinGainStandardErrors)} standard errors {(stitch.AnnealEpochs > 0 ? $"the learning rate falls to zero over {F(stitch.AnnealEpochs)} more epochs and the stitch stops" : "a stitch stops")}; at most {stitch.Epochs} epochs")}; {stitch.Precision.Name()} precision; test split used once |");
        L($"| analyses per cell | {string.Join(", ", ReportOptions.CellAnalyses)} (docs/research.md); no gradient-trained copy stitch: the copying question is the copying experiment's |");
        L($"| least-squares stitches | exact normal equations over the training split: the copying task's optimum, and (with the fit's images covering the split) the task stitches' starting point |");
        L($"| layers | {string.Join("; ", outcomes.SelectMany(o => new[] { o.Plan.Pairs[0].SenderArch.Name, o.Plan.Pairs[0].ReceiverArch.Name }).Distinct().Select(a => $"{a}: {string.Join(", ", options.Layers(a))}"))} |");
        L($"| CKA | linear CKA and debiased linear CKA (unbiased HSIC) from Gram matrices of the first {Math.Min(options.CkaImages, data.TestImages.shape[0])} test images at full resolution |");
        if (copying is not null)
            L($"| copying experiment | `{copying.Directory}/`: {copying.Options.Arch} into another trained {copying.Options.Arch}, {copying.Options.Pairs} network pairs (sender seeds {string.Join(", ", copying.Options.Spec.SenderSeeds)}, receiver seeds {string.Join(", ", copying.Options.Spec.ReceiverSeeds)}), cells {string.Join(", ", copying.Options.Cells.Select(c => $"{c.Sender}->{c.Receiver}"))}, stitch seeds {string.Join(", ", copying.Options.StitchSeeds)}; the sweep's recipe at peak learning rate {F(copying.Options.Stitch.LearningRate, "0.####")} (so that every start trains) in {copying.Options.Stitch.Precision.Name()} {(copying.Options.Stitch.Patience == 0 ? $"run to the cap of {copying.Options.Stitch.Epochs} epochs, best held-out check kept" : $"with the held-out rule ({F(copying.Options.Stitch.Patience)} epochs' patience, then {F(copying.Options.Stitch.AnnealEpochs)} epochs' decay, cap {copying.Options.Stitch.Epochs})")} from three starts, placebos, trade-off lambdas {string.Join(", ", copying.Options.Lambdas.Select(l => F(l)))} |");
        L($"| uncertainty | per cell a 95% Wilson interval from the {data.TestImages.shape[0]} test images; patterns: one statistic per network pair (the unit), t test and {F(100 * PatternDesign.Default.IntervalLevel, "0")}% t interval over pairs, Holm across the patterns, {F(100 * PatternDesign.Default.Margin, "0.#")}-point equivalence margin on an ideal pattern, scaled by what the pattern's adjustment leaves of it (docs/research.md) |");
        L();
        L($"Choices for two CPU cores: width {options.Width} instead of the paper's 64 and a {Text(options.TrainLimit)}-image training subset. Every stitch in");
        L("this report is trained by the recipe of the README's sweeps (docs/demo), held-out rule included. Task stitches start from the least-squares fit, the copying");
        L("task's optimum, so a comparison of a task stitch with that start would build the copying answer in; section 4 answers the");
        L("question with a separate experiment (`copying/`): several starts and stitch seeds, placebos, a trade-off curve, network pairs as the unit.");
        L("CIFAR-10: the same command with `--dataset cifar10` (after `download cifar10`).");
        L();

        L(Sections[1]);
        L();
        L("| architecture | seed | trained | test accuracy | classes predicted | prediction entropy (bits) | held-out accuracy by epoch |");
        L("|---|---|---|---|---|---|---|");
        foreach (var m in outcomes.SelectMany(o => o.Models).DistinctBy(m => (m.Arch, m.Seed, m.Trained)).OrderBy(m => m.Arch).ThenBy(m => m.Seed).ThenBy(m => !m.Trained))
            L($"| {m.Arch} | {m.Seed} | {(m.Trained ? "yes" : "no (random control)")} | {P(m.Accuracy)} | {m.PredictedClasses} | {F(m.PredictionEntropyBits, "0.00")} | {(m.HeldOutCurve.Count == 0 ? "" : string.Join(" ", m.HeldOutCurve.Select(a => (100 * a).ToString("0", CultureInfo.InvariantCulture))))} |");
        L();
        L("| experiment | pair | stitches | time |");
        L("|---|---|---|---|");
        foreach (var o in outcomes) L($"| `{o.Experiment.Name}` | {o.Experiment.Title} | {o.Results.Count} | {o.Elapsed:mm\\:ss} |");
        L();

        Convergence(L, outcomes);
        ControlPatterns(L, outcomes);
        Triangle(L, outcomes);
        Controls(L, outcomes);
        CopyTask(L, outcomes, copying);
        Seeds(L, outcomes);

        L(Sections[8]);
        L();
        L("Each experiment folder is a sweep output folder: `results.csv` (task-trained stitches), `analysis.csv` (all metrics per cell and");
        L("stitch seed; empty = not computed), `models.csv`, `matrix-<variant>.json/png/svg`, `matrix-<variant>-<metric>.json`,");
        L("`matrices.png`, `analysis.png` (accuracies, CKA, above-probe, penalty) and `analysis-representation.png` (normalized MSE,");
        L("distribution distance, task-vs-copy MSE).");
        return md.ToString();
    }

    private static void ControlPatterns(Line L, IReadOnlyList<ExperimentOutcome> outcomes)
    {
        L(Sections[3]);
        L();
        var o = outcomes.FirstOrDefault(x => x.Plan.Variants.Count > 1);
        if (o is null) { L("No experiment ran the random controls."); L(); return; }
        var pair = o.Plan.Pairs[0];
        var headOnly = CellMatrix.HeadOnlyColumns(pair);
        L($"Experiment `{o.Experiment.Name}`: {o.Experiment.Title}. Early = relative depth <= {F(Early)}, late = > {F(Late)} (stem 0, last block 1: the");
        L($"pattern design's registered cuts); head-only receiver columns ({string.Join(", ", headOnly)}) are left out of the table below and of every");
        L("pattern, as a stitch there is a linear probe of the sender.");
        L();
        L($"![four variants and control-subtracted]({o.Directory}/matrices-with-controls.png)");
        L();
        L("Top: the four variants (mean over model-seed pairs). Bottom: each minus random->random, the control with neither network trained.");
        L();
        L("| variant | mean | std | min | max | late->late | other cells | into early receivers | into later receivers | lower-left | upper-right |");
        L("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var v in o.Plan.Variants)
        {
            var m = PatternCells(o, TaskMatrix(o, v));
            var all = PatternStatistics.Summary.Of(PatternStatistics.Cells(m).Select(c => c.Value));
            var lateLate = PatternStatistics.Region(m, (s, r) => s > Late && r > Late).Mean;
            var other = PatternStatistics.Region(m, (s, r) => !(s > Late && r > Late)).Mean;
            var intoEarly = PatternStatistics.Region(m, (_, r) => r <= Early).Mean;
            var intoLater = PatternStatistics.Region(m, (_, r) => r > Early).Mean;
            var t = PatternStatistics.TriangleOf(m);
            L($"| {v.Name()} | {P(all.Mean)} | {P(all.Std)} | {P(all.Min)} | {P(all.Max)} | {P(lateLate)} | {P(other)} | {P(intoEarly)} | {P(intoLater)} | {P(t.Below.Mean)} | {P(t.Above.Mean)} |");
        }
        L();
        // The verdicts are the sweep's (patterns.md), under the design of docs/research.md.
        L("The paper's four patterns under the design of docs/research.md: one statistic per network pair, with the additive main");
        L("effects that are not the claim removed; a t test and interval over pairs; Holm across the patterns; and a symmetric verdict");
        L("against an equivalence margin (the sweep's `patterns.md`). The interaction contrast beside the control-subtracted matrices");
        L("is `matrix-interaction.json`:");
        L();
        var report = SweepReport.Build(o.Plan, pair, o.Results);
        L(PatternsMarkdown.Write(report.Patterns, report.Interaction).TrimEnd());
        L();
    }

    /// <summary>The matrix without its head-only columns, which no pattern reads (a stitch there is a linear probe).</summary>
    private static SimilarityMatrix PatternCells(ExperimentOutcome o, SimilarityMatrix m)
    {
        var headOnly = CellMatrix.HeadOnlyColumns(o.Plan.Pairs[0]);
        return m with { Values = m.Values.Select(row => row.Select((v, j) => headOnly.Contains(m.ReceiverLayers[j]) ? null : v).ToArray()).ToArray() };
    }

    private static void Triangle(Line L, IReadOnlyList<ExperimentOutcome> outcomes)
    {
        L(Sections[4]);
        L();
        L("Cells of the trained->trained matrix split by relative depth: below the diagonal (sender layer relatively deeper than the");
        L("receiver layer it replaces: the lower-left triangle), on it, and above it, head-only columns left out as in every pattern.");
        L("Raw means, before the additive adjustment the pattern's verdict uses (section 1). Mean task-trained stitch accuracy (cells):");
        L();
        L("| experiment | below (lower-left) | diagonal | above (upper-right) | below - above | above-probe below | above-probe above |");
        L("|---|---|---|---|---|---|---|");
        foreach (var o in outcomes)
        {
            var t = PatternStatistics.TriangleOf(PatternCells(o, TaskMatrix(o, Variant.TrainedToTrained)));
            var d = PatternStatistics.TriangleOf(PatternCells(o, Metric(o, "above_probe")));
            L($"| `{o.Experiment.Name}` | {P(t.Below.Mean)} ({t.Below.Count}) | {P(t.Diagonal.Mean)} ({t.Diagonal.Count}) | {P(t.Above.Mean)} ({t.Above.Count}) | {Pts(t.Difference)} | {Pts(d.Below.Mean)} | {Pts(d.Above.Mean)} |");
        }
        L();
        foreach (var o in outcomes) L($"![{o.Experiment.Name}]({o.Directory}/analysis.png)");
        L();
    }

    private static void Controls(Line L, IReadOnlyList<ExperimentOutcome> outcomes)
    {
        L(Sections[5]);
        L();
        L("Linear probe: the sender layer's average-pooled features (C per image) through a trained linear readout; in a head-only");
        L("column (where a stitch plus the head is itself a linear readout of the sender) the probe reads the same k²·C block-averaged");
        L("features as the stitch (a k x k, stride-k conv to the classes, then pooling), so stitch and probe there are equal readouts");
        L("and their difference is what the receiver's fixed classifier adds or costs. Pixel baseline: a stitch of the same kind from the raw pixels");
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
        var headOnlyLayers = outcomes.SelectMany(o => CellMatrix.HeadOnlyColumns(o.Plan.Pairs[0]).Select(l => (o.Experiment.Name, l))).ToHashSet();
        var headOnly = outcomes.SelectMany(o => Rows(o, Variant.TrainedToTrained).Where(r => headOnlyLayers.Contains((o.Experiment.Name, r.ReceiverLayer)))).ToList();
        var beatsProbe = all.Count(r => r.TaskAccuracy > r.ProbeAccuracy);
        L($"Over all {all.Count} trained->trained cells: {beatsPixels} stitched networks beat the pixel baseline of their receiver layer");
        L($"(the sender contributes more than raw pixels through the same stitch), and {beatsProbe} beat the linear probe of their sender layer");
        L($"(the receiver's suffix adds to a linear readout). In the {headOnly.Count} head-only cells, {headOnly.Count(r => r.TaskAccuracy > r.ProbeAccuracy)} beat the probe that reads their own k²·C features");
        L($"(mean task - probe there {Pts(headOnly.Select(r => r.TaskAccuracy - r.ProbeAccuracy).DefaultIfEmpty(double.NaN).Average())}). Mean penalty {Pts(all.Select(r => r.Penalty).DefaultIfEmpty(double.NaN).Average())}.");
        L();
    }

    private static void CopyTask(Line L, IReadOnlyList<ExperimentOutcome> outcomes, CopyingOutcome? copying)
    {
        L(Sections[6]);
        L();
        if (copying is not null)
        {
            var stats = CopyingSummary.Statistics(copying.Rows, copying.Distances);
            var pairs = copying.Rows.Select(r => (r.SenderSeed, r.ReceiverSeed)).Distinct().Count();
            L($"The seed paper's open question, asked by an experiment that does not build the answer in (`{copying.Directory}/{CopyingSummary.MarkdownFile}`,");
            L($"its rows in `{copying.Directory}/{CopyingSummary.RowsFile}` and `{copying.Directory}/{CopyingSummary.DistancesFile}`): {copying.Options.Arch} into another trained");
            L($"{copying.Options.Arch}, {pairs} network pairs, cells {string.Join(", ", copying.Options.Cells.Select(c => $"{c.Sender}->{c.Receiver}"))}; per pair and cell, task stitches from");
            L($"PyTorch's init, the least-squares copy and (on the diagonal) the identity, {copying.Options.StitchSeeds.Count} stitch seeds each; the least-squares copy itself (the copying");
            L("task's exact optimum); a placebo per task stitch (the same optimizer, schedule and weight decay, no task gradient, for the steps of the task stitch's kept check);");
            L("cross-entropy + lambda x copy nMSE stitches; and each stitch's agreement with the receiver's own predictions. Each statistic is");
            L("averaged over a pair's cells and seeds, then given a 95% t interval over pairs and a two-sided t test against its null, Holm-adjusted");
            L("across the nine statistics (a direction is read only where the adjusted p is under 0.05); distances are test-set output nMSEs.");
            L();
            foreach (var line in CopyingSummary.Answer(stats)) L($"- {line}");
            L();
            CopyingSummary.StatisticsTable(line => L(line), stats);
            L();
            CopyingSummary.KindTable(line => L(line), copying.Rows);
            L();
        }
        L("Descriptive only, not evidence on the question: in the shapes and self experiments every trained->trained cell also has");
        L("the closed-form least-squares stitch (the copying task's exact optimum on the training split, where the task stitch started);");
        L("a task stitch that ends away from it is what the recipe alone can produce (the placebo above measures how much), so no");
        L("reading is drawn from this table. Normalized MSE (nMSE) is MSE over the expected representation's variance (1 = predicting");
        L("its mean); distribution distance is the mean over channels of |mean shift|/std plus |log variance ratio|. Medians over cells:");
        L();
        L("| experiment | acc task | acc LS (= start) | nMSE task | nMSE LS | dist task | dist LS | task nMSE > LS nMSE |");
        L("|---|---|---|---|---|---|---|---|");
        foreach (var o in outcomes)
        {
            var rows = Rows(o, Variant.TrainedToTrained).ToList();
            double Med(Func<AnalysisResult, double> f) => PatternStatistics.Median(rows.Select(f));
            var moved = rows.Count(r => r.TaskNormalizedMse > r.LeastSquaresNormalizedMse);
            L($"| `{o.Experiment.Name}` | {P(rows.Average(r => r.TaskAccuracy))} | {P(rows.Average(r => r.LeastSquaresAccuracy))} | " +
              $"{F(Med(r => r.TaskNormalizedMse))} | {F(Med(r => r.LeastSquaresNormalizedMse))} | " +
              $"{F(Med(r => r.TaskDistributionDistance))} | {F(Med(r => r.LeastSquaresDistributionDistance))} | {moved}/{rows.Count} |");
        }
        L();
        var all = outcomes.SelectMany(o => Rows(o, Variant.TrainedToTrained)).ToList();
        var ckaTask = PatternStatistics.Correlation(all.Select(r => (r.Cka, r.TaskAccuracy)));
        var ckaLs = PatternStatistics.Correlation(all.Select(r => (r.Cka, r.LeastSquaresAccuracy)));
        var nmseAcc = PatternStatistics.Correlation(all.Select(r => (Math.Log10(r.TaskNormalizedMse), r.TaskAccuracy)));
        L($"Across all {all.Count} trained->trained cells (cells, not independent networks: descriptive): Pearson r(CKA, task accuracy) = {F(ckaTask)},");
        L($"r(CKA, least-squares accuracy) = {F(ckaLs)}, r(log10 task nMSE, task accuracy) = {F(nmseAcc)}.");
        L();

        var self = outcomes.FirstOrDefault(o => o.Experiment.Name == "self");
        if (self is not null)
        {
            L("Out-of-distribution artefact (Balogh & Jelasity 2025: a task-trained stitch can rate a distant layer as more similar than the");
            L("layer itself). In `self` the diagonal stitch could be the identity, which scores the receiver's own accuracy; per receiver");
            L("and layer, the diagonal task accuracy against that and against the best other sender layer, and the distribution distance of");
            L("each stitch's output from the expected activations:");
            L();
            L("| receiver seed | layer | receiver's own accuracy | diagonal accuracy | best other sender | its accuracy | dist diagonal | dist best other | CKA diagonal | CKA best other |");
            L("|---|---|---|---|---|---|---|---|---|---|");
            var rows = Rows(self, Variant.TrainedToTrained).ToList();
            int beaten = 0, compared = 0;
            foreach (var g in rows.GroupBy(r => (r.ReceiverSeed, r.ReceiverLayer)))
            {
                var diag = g.FirstOrDefault(r => r.SenderLayer == r.ReceiverLayer);
                var best = g.Where(r => r.SenderLayer != r.ReceiverLayer).OrderByDescending(r => r.TaskAccuracy).FirstOrDefault();
                if (diag is null || best is null) continue;
                compared++;
                if (best.TaskAccuracy > diag.TaskAccuracy) beaten++;
                L($"| {g.Key.ReceiverSeed} | {g.Key.ReceiverLayer} | {P(diag.ReceiverAccuracy)} | {P(diag.TaskAccuracy)} | {best.SenderLayer} | {P(best.TaskAccuracy)} | {F(diag.TaskDistributionDistance)} | {F(best.TaskDistributionDistance)} | {F(diag.Cka)} | {F(best.Cka)} |");
            }
            L();
            var diagonal = rows.Where(r => r.SenderLayer == r.ReceiverLayer).ToList();
            L($"In {beaten} of {compared} (receiver, layer) cases another sender layer scores higher than the layer itself. On the diagonal the");
            L($"task stitch's mean penalty against the identity is {Pts(diagonal.Select(r => r.Penalty).DefaultIfEmpty(double.NaN).Average())} (the least-squares stitch's {Pts(diagonal.Select(r => r.ReceiverAccuracy - r.LeastSquaresAccuracy).DefaultIfEmpty(double.NaN).Average())}).");
            L();
        }
        foreach (var o in outcomes) L($"![{o.Experiment.Name} representation]({o.Directory}/{AnalysisOutputs.RepresentationGrid})");
        L();
    }

    private static void Seeds(Line L, IReadOnlyList<ExperimentOutcome> outcomes)
    {
        L(Sections[7]);
        L();
        L("Per cell, the sample standard deviation of the task accuracy over the independently trained pairs of base models (one");
        L("stitch seed each), summarized over the cells of each variant; the Wilson half-width is the test-set noise of one cell for comparison:");
        L();
        L("| experiment | variant | pairs | mean of cell means | mean std over pairs | max std over pairs | mean Wilson half-width |");
        L("|---|---|---|---|---|---|---|");
        foreach (var o in outcomes)
        foreach (var v in o.Plan.Variants)
        {
            var m = CellMatrix.Create(v.Name(), o.Plan.Pairs[0], o.Results.Where(r => r.Variant == v.Name()).Select(r => ((string?)null, r)));
            var cells = Enumerable.Range(0, m.SenderLayers.Count).SelectMany(i => Enumerable.Range(0, m.ReceiverLayers.Count).Select(j => (i, j)))
                .Where(c => m.Values[c.i][c.j] is not null).ToList();
            var means = cells.Select(c => m.Values[c.i][c.j]!.Value).DefaultIfEmpty(double.NaN).ToList();
            var stds = cells.Where(c => m.Spread?[c.i][c.j] is not null).Select(c => m.Spread![c.i][c.j]!.Value).ToList();
            var halves = cells.Where(c => m.Low?[c.i][c.j] is not null && m.High?[c.i][c.j] is not null)
                .Select(c => (m.High![c.i][c.j]!.Value - m.Low![c.i][c.j]!.Value) / 2).DefaultIfEmpty(double.NaN).ToList();
            L($"| `{o.Experiment.Name}` | {v.Name()} | {o.Plan.Spec.ModelSeedPairs().Count()} | {P(means.Average())} | {(stds.Count == 0 ? "n/a" : P(stds.Average()))} | {(stds.Count == 0 ? "n/a" : P(stds.Max()))} | {P(halves.Average())} |");
        }
        L();
    }

    private static void Convergence(Line L, IReadOnlyList<ExperimentOutcome> outcomes)
    {
        L(Sections[2]);
        L();
        L("Which rule ended each task stitch (`stop_reason` in results.csv): `converged` and `no-gain` were stopped by the held-out");
        L("rule (after a significant gain, or with nothing ever beating the start) and then ran the decay of their learning rate to zero");
        L("(`stitch_anneal_epochs`), `cap` was still improving at the cap, `unchecked` ran without the rule. The kept weights are the best");
        L("held-out check. The rule's shortfall against runs to the cap is measured in docs/research.md (stopping that is verified);");
        L("a stitch at the cap may under-state its cell. Epochs are passes over the training split, the decay included:");
        L();
        L("| experiment | stitches | task stop reasons | stopped by the rule | epochs mean / max |");
        L("|---|---|---|---|---|");
        foreach (var o in outcomes)
        {
            var cap = o.Plan.Spec.Stitch.Epochs;
            var reasons = string.Join(", ", o.Results.GroupBy(r => r.Stop).OrderBy(g => g.Key).Select(g => $"{g.Key.Name()} {g.Count()}"));
            L($"| `{o.Experiment.Name}` | {o.Results.Count} | {reasons} | {o.Results.Count(r => r.Converged)} | " +
              $"{F(o.Results.Select(r => r.Epochs).DefaultIfEmpty(double.NaN).Average(), "0.0")} / {F(o.Results.Select(r => r.Epochs).DefaultIfEmpty(double.NaN).Max(), "0.0")} (cap {cap}) |");
        }
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
