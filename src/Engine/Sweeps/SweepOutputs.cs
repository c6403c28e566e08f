using System.Globalization;
using Stitching.Domain.Analysis;
using Stitching.Domain.Results;
using Stitching.Reporting.Tables;
using Stitching.Reporting.Rendering;
using Stitching.Domain.Sweeps;

namespace Stitching.Engine.Sweeps;

/// <summary>
/// Files a sweep writes into its output folder: results.csv, models.csv, and per network pair
/// matrix-&lt;variant&gt;.json/.png/.svg plus matrices.png (the variants side by side on one 0..1 scale, as in the seed
/// paper's figures), and the control-subtracted matrices (<see cref="Controls"/>) as matrix-&lt;variant&gt;-minus-random-random.json/.png/.svg,
/// matrices-minus-control and matrices-with-controls (differences on one diverging scale centred on 0), the interaction contrast trained->trained - random->trained - trained->random +
/// random->random with per-cell intervals over network pairs (<see cref="PairContrastMatrix"/>) as matrix-interaction.json/.png/.svg,
/// and the patterns (<see cref="PaperPatterns"/>) as patterns.json/.md. Head-only receiver columns are marked in every matrix.
/// With several network pairs or stitch seeds, matrices-per-seed-&lt;variant&gt; (<see cref="PerSeed"/>). Every combined
/// figure is also written as .svg and .pdf (<see cref="WriteFigure"/>); the learning curves are <see cref="WriteCurves"/>.
/// </summary>
public static class SweepOutputs
{
    public const string ResultsFile = "results.csv";
    public const string ModelsFile = "models.csv";

    /// <summary>Where a pair's matrices go: the output folder itself for a one-pair sweep, else a subfolder per pair.</summary>
    public static string PairDirectory(string outDirectory, SweepPlan plan, PairPlan pair) =>
        plan.Pairs.Count == 1 ? outDirectory : Path.Combine(outDirectory, "pairs", $"{Slug(pair.SenderArch.Name)}__{Slug(pair.ReceiverArch.Name)}");

    public static string Slug(string arch) => arch.Replace("(", "").Replace(")", "").Replace(",", "-");

    /// <summary>
    /// Each variant whose matrix is read against random->random: what survives of trained->trained, trained->random and
    /// random->trained once the same stitch into a random receiver from a random sender (a linear readout of random
    /// features where the suffix is only the head) is taken off.
    /// </summary>
    public static IReadOnlyList<Variant> Controlled { get; } = [Variant.TrainedToTrained, Variant.TrainedToRandom, Variant.RandomToTrained];

    /// <summary>
    /// The control-subtracted matrices of a pair: each of <see cref="Controlled"/> present in the sweep minus random->random.
    /// Given the pair's rows, each cell also gets the 95% t interval of the difference over network pairs (each pair's
    /// variant minus its own random->random: the pair is the unit), its spread and number of pairs
    /// (<see cref="PairContrastMatrix"/>); the values stay the difference of the cell means.
    /// </summary>
    public static IReadOnlyList<(string Slug, SimilarityMatrix Matrix)> Controls(IReadOnlyList<(Variant Variant, SimilarityMatrix Matrix)> matrices,
        PairPlan? pair = null, IReadOnlyList<StitchResult>? rows = null)
    {
        var control = matrices.FirstOrDefault(m => m.Variant == Variant.RandomToRandom).Matrix;
        if (control is null) return [];
        return matrices.Where(m => Controlled.Contains(m.Variant))
            .Select(m =>
            {
                var difference = m.Matrix.Minus(control, $"{m.Variant.Name()} minus {Variant.RandomToRandom.Name()}");
                var paired = pair is null || rows is null ? null
                    : PairContrastMatrix.Create(difference.Title, pair, rows, [(m.Variant, +1), (Variant.RandomToRandom, -1)]);
                return ($"{m.Variant.Slug()}-minus-{Variant.RandomToRandom.Slug()}",
                    paired is null ? difference : difference with { Low = paired.Low, High = paired.High, Spread = paired.Spread, Replicates = paired.Replicates });
            })
            .ToList();
    }

    /// <summary>One matrix per variant of a pair, from the rows of that pair (<see cref="CellMatrix"/>: means over seeds, intervals, spread).</summary>
    public static IReadOnlyList<(Variant Variant, SimilarityMatrix Matrix)> Matrices(SweepPlan plan, PairPlan pair, IReadOnlyList<StitchResult> rows) =>
        plan.Variants.Select(variant => (variant, CellMatrix.Create(variant.Name(), pair,
            rows.Where(r => r.Variant == variant.Name() && r.SenderArch == pair.SenderArch.Name && r.ReceiverArch == pair.ReceiverArch.Name)
                .Select(r => ((string?)null, r))))).ToList();

    public static IReadOnlyList<string> WriteMatrices(string outDirectory, SweepPlan plan, IReadOnlyList<StitchResult> rows)
    {
        var written = new List<string>();
        foreach (var pair in plan.Pairs)
        {
            var dir = PairDirectory(outDirectory, plan, pair);
            Directory.CreateDirectory(dir);
            var matrices = Matrices(plan, pair, rows);
            foreach (var (variant, m) in matrices)
                written.AddRange(WriteMatrix(Path.Combine(dir, $"matrix-{variant.Slug()}"), m));
            var raw = matrices.Select(x => x.Matrix).ToList();
            written.AddRange(WriteFigure(Path.Combine(dir, "matrices"), MatrixRenderer.GridFigure(raw)));

            // Differences of accuracies lie in [-1, 1]: one diverging scale centred on 0, shared by every panel of a figure.
            var controls = Controls(matrices, pair, rows);
            var differences = RenderOptions.Differences(ControlColorBarLabel);
            foreach (var (slug, m) in controls)
                written.AddRange(WriteMatrix(Path.Combine(dir, $"matrix-{slug}"), m, differences));
            if (controls.Count > 0)
            {
                var subtracted = controls.Select(x => x.Matrix).ToList();
                written.AddRange(WriteFigure(Path.Combine(dir, "matrices-minus-control"), MatrixRenderer.GridFigure(subtracted, differences)));
                written.AddRange(WriteFigure(Path.Combine(dir, "matrices-with-controls"),
                    MatrixRenderer.TwoRowFigure(raw, RenderOptions.Default, subtracted, differences)));
            }

            foreach (var (variant, panels) in PerSeed(plan, pair, rows))
                written.AddRange(WriteFigure(Path.Combine(dir, $"matrices-per-seed-{variant.Slug()}"), MatrixRenderer.PanelsFigure(panels, PerSeedColumns(panels.Count))));

            written.AddRange(WritePatterns(dir, pair, rows));
        }
        return written;
    }

    /// <summary>
    /// Per variant, one matrix per network pair (sender seed, receiver seed; mean over stitch seeds) when the sweep has
    /// several, else one per stitch seed when it has several, else nothing: what a reader checks before trusting a mean.
    /// </summary>
    public static IReadOnlyList<(Variant Variant, IReadOnlyList<SimilarityMatrix> Panels)> PerSeed(SweepPlan plan, PairPlan pair, IReadOnlyList<StitchResult> rows)
    {
        var mine = rows.Where(r => r.SenderArch == pair.SenderArch.Name && r.ReceiverArch == pair.ReceiverArch.Name).ToList();
        var networkPairs = mine.Select(r => (r.SenderSeed, r.ReceiverSeed)).Distinct().Order().ToList();
        var stitchSeeds = mine.Select(r => r.StitchSeed).Distinct().Order().ToList();
        if (networkPairs.Count < 2 && stitchSeeds.Count < 2) return [];
        return plan.Variants.Select(variant =>
        {
            var ofVariant = mine.Where(r => r.Variant == variant.Name()).ToList();
            IReadOnlyList<SimilarityMatrix> panels = networkPairs.Count > 1
                ? networkPairs.Select(s => Panel($"{variant.Name()}, seeds {s.SenderSeed}->{s.ReceiverSeed}",
                    ofVariant.Where(r => (r.SenderSeed, r.ReceiverSeed) == s))).ToList()
                : stitchSeeds.Select(s => Panel($"{variant.Name()}, stitch seed {s}", ofVariant.Where(r => r.StitchSeed == s))).ToList();
            return (variant, panels);
        }).Where(v => v.panels.Count > 0).ToList();

        SimilarityMatrix Panel(string title, IEnumerable<StitchResult> cell) => CellMatrix.Create(title, pair, cell.Select(r => ((string?)null, r)));
    }

    // Four panels a row, as the variants' figure: wider images stop fitting a page.
    private static int PerSeedColumns(int panels) => Math.Min(panels, 4);

    public const string PatternsFile = "patterns";
    public const string ControlColorBarLabel = "accuracy minus control";
    public const string CurvesFigure = "curves";
    public const string CurvesParquetFile = "curves.parquet";

    /// <summary>
    /// The sweep's learning curves: curves.csv and curves.parquet (<see cref="CurvesTable"/>, one row per held-out check,
    /// joined to the long table by stitch_id) and curves.png/.svg/.pdf (<see cref="CurveRenderer"/>); the figure only when some
    /// stitch held images out.
    /// </summary>
    public static IReadOnlyList<string> WriteCurves(string outDirectory, SweepResults sweep)
    {
        var csv = Path.Combine(outDirectory, CurvesTable.FileName);
        var parquet = Path.Combine(outDirectory, CurvesParquetFile);
        CurvesTable.WriteFile(csv, sweep);
        LongResultsParquet.WriteFile(parquet, CurvesTable.Typed([sweep]));
        if (CurveRenderer.Groups(sweep.Rows).Count == 0) return [csv, parquet];
        return [csv, parquet, .. WriteFigure(Path.Combine(outDirectory, CurvesFigure), CurveRenderer.Figure(sweep.Rows))];
    }

    /// <summary>A combined figure as stem.png, and stem.svg and stem.pdf, the vector drawings a paper takes.</summary>
    public static string[] WriteFigure(string stem, Figure figure)
    {
        AtomicFile.WriteBytes(stem + ".png", figure.ToPng());
        AtomicFile.Write(stem + ".svg", w => w.Write(figure.ToSvg()));
        AtomicFile.WriteBytes(stem + ".pdf", figure.ToPdf());
        return [stem + ".png", stem + ".svg", stem + ".pdf"];
    }

    private static string[] WriteMatrix(string stem, SimilarityMatrix m, RenderOptions? options = null)
    {
        MatrixJson.WriteFile(stem + ".json", m);
        AtomicFile.WriteBytes(stem + ".png", MatrixRenderer.RenderPng(m, options));
        AtomicFile.Write(stem + ".svg", w => w.Write(MatrixRenderer.RenderSvg(m, options)));
        return [stem + ".json", stem + ".png", stem + ".svg"];
    }

    /// <summary>
    /// A pair's inference files into <paramref name="dir"/>: matrix-interaction.json/.png/.svg (when the sweep has all four
    /// variants) and patterns.json/.md. Written by every sweep, and again from a finished folder's results.csv by
    /// <c>patterns</c>, so a design change re-reads committed results without training.
    /// </summary>
    public static IReadOnlyList<string> WritePatterns(string dir, PairPlan pair, IReadOnlyList<StitchResult> rows)
    {
        var written = new List<string>();
        var interaction = PairContrastMatrix.Create(PairContrastMatrix.InteractionTitle, pair, rows, PairContrastMatrix.Interaction);
        if (interaction is not null)
            written.AddRange(WriteMatrix(Path.Combine(dir, $"matrix-{PairContrastMatrix.InteractionSlug}"), interaction,
                RenderOptions.Differences("interaction (accuracy)")));
        var patterns = Patterns(pair, rows);
        if (patterns.Count > 0)
        {
            var json = Path.Combine(dir, PatternsFile + ".json");
            AtomicFile.Write(json, w => w.Write(System.Text.Json.JsonSerializer.Serialize(patterns, Domain.Contracts.PlatformJsonContext.Indented.IReadOnlyListPatternVerdict)));
            var md = Path.Combine(dir, PatternsFile + ".md");
            AtomicFile.Write(md, w => w.Write(PatternsMarkdown(patterns, interaction)));
            written.AddRange([json, md]);
        }
        return written;
    }

    /// <summary>The seed paper's four patterns read from a pair's rows (<see cref="PaperPatterns"/>), head-only columns left out.</summary>
    public static IReadOnlyList<PatternVerdict> Patterns(PairPlan pair, IReadOnlyList<StitchResult> rows) =>
        PaperPatterns.Evaluate(pair.SenderArch.Name, pair.ReceiverArch.Name, rows, CellMatrix.HeadOnlyColumns(pair).ToHashSet());

    /// <summary>
    /// patterns.md: the verdict table (statistic per network pair, mean and interval over pairs, raw statistic, sign-flip p,
    /// the two one-sided p-values before and after Holm, verdict), each pattern's cut and note, the depth-cut sensitivity
    /// table, the design in one paragraph, and the interaction matrix with its per-cell intervals when the sweep has all four variants.
    /// </summary>
    public static string PatternsMarkdown(IReadOnlyList<PatternVerdict> patterns, SimilarityMatrix? interaction = null, PatternDesign? design = null)
    {
        design ??= PatternDesign.Default;
        var level = Invariant($"{100 * design.IntervalLevel:0}%");
        var w = new StringWriter();
        w.WriteLine($"| pattern | statistic per network pair (adjustment) | predicted | mean over pairs | {level} interval | raw | sign-flip p (min) | p holds (Holm) | p does not hold (Holm) | verdict | pairs, cells |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in patterns)
        {
            var first = $"| {p.Claim} | ";
            var verdict = $"{Pv(p.PHolds)} ({Pv(p.PHoldsAdjusted)}) | {Pv(p.PDoesNotHold)} ({Pv(p.PDoesNotHoldAdjusted)}) | **{p.Verdict}** | {p.ModelSeedPairs}, {p.Cells} |";
            if (p.Components.Count == 0) w.WriteLine(first + "n/a | | | | | | " + verdict);
            for (var k = 0; k < p.Components.Count; k++)
            {
                var c = p.Components[k];
                w.WriteLine((k == 0 ? first : "| (and) | ") + Invariant($"{c.Statistic} ({p.Adjustment}) | {c.Predicted} | {F3(c.Value)} | {Interval(c.Low, c.High)} | {(double.IsNaN(c.Raw) ? "" : F3(c.Raw))} | {Pv(c.SignFlipP)} ({c.MinimumSignFlipP:0.####}) | ")
                    + (k == 0 ? verdict : "| | | |"));
            }
        }
        w.WriteLine();
        foreach (var p in patterns) w.WriteLine($"- {p.Pattern}: {p.Cut}. {p.Note}.");
        w.WriteLine();
        w.WriteLine($"Depth-cut sensitivity (each cut read as if it had been the registered one, Holm-adjusted in the same family; {level} intervals):");
        w.WriteLine();
        w.WriteLine("| pattern | cut | cells | mean over pairs | interval | p holds (Holm) | p does not hold (Holm) | verdict |");
        w.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var p in patterns)
        foreach (var s in p.Sensitivity)
            w.WriteLine(Invariant($"| {p.Pattern} | {s.Cut} | {s.Cells} | {F3(s.Value)} | {Interval(s.Low, s.High)} | {Pv(s.PHoldsAdjusted)} | {Pv(s.PDoesNotHoldAdjusted)} | {s.Verdict}{(s.Note.Length > 0 ? $" ({s.Note})" : "")} |"));
        w.WriteLine();
        var pairs = patterns.Count == 0 ? 0 : patterns.Max(p => p.ModelSeedPairs);
        w.WriteLine(Invariant($"Design (docs/research.md): the network pair is the unit ({pairs} here); each statistic is computed on each pair's matrix (mean over stitch seeds), with the additive main effects that are not the claim removed, head-only receiver columns left out; t test and {level} interval over pairs (df = pairs - 1); sign flips over pairs beside it (their smallest possible p is 1/2^pairs). ")
            + Invariant($"Verdict, after Holm across the {patterns.Count} patterns: does not hold when the one-sided test against the margin ({100 * design.Margin:0.#} points; flatness {100 * design.FlatMargin:0.#} points) rejects at {design.Alpha}; else holds when the one-sided test against zero rejects; else cannot tell. ")
            + "The cells share one test set, so no per-cell test noise is added: it is inside each pair's statistic, and inference is conditional on the test set.");
        if (interaction is not null)
        {
            w.WriteLine();
            w.WriteLine(InteractionMarkdown(interaction));
        }
        return w.ToString();
    }

    /// <summary>The interaction matrix as a table: per cell the mean over network pairs in points and its 95% t interval (descriptive, uncorrected).</summary>
    public static string InteractionMarkdown(SimilarityMatrix m)
    {
        var w = new StringWriter();
        var pairs = m.Replicates?.SelectMany(r => r).Max() ?? 0;
        w.WriteLine($"Interaction tt - rt - tr + rr (points; mean over {pairs} network pair(s) [95% t interval per cell, uncorrected]; positive: the two trained networks together do better than each alone explains):");
        w.WriteLine();
        w.WriteLine("| sender \\ receiver | " + string.Join(" | ", m.ReceiverLayers.Select(l => m.HeadOnlyColumns?.Contains(l) == true ? $"{l} (head-only)" : l)) + " |");
        w.WriteLine("|---|" + string.Concat(m.ReceiverLayers.Select(_ => "---|")));
        for (var i = 0; i < m.SenderLayers.Count; i++)
            w.WriteLine($"| {m.SenderLayers[i]} | " + string.Join(" | ", m.ReceiverLayers.Select((_, j) => m.Values[i][j] is not { } v ? ""
                : Invariant($"{100 * v:+0.0;-0.0;0.0}") + (m.Low?[i][j] is { } lo && m.High?[i][j] is { } hi ? Invariant($" [{100 * lo:+0.0;-0.0;0.0}, {100 * hi:+0.0;-0.0;0.0}]") : ""))) + " |");
        return w.ToString();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    private static string Interval(double low, double high) => double.IsNaN(low) ? "n/a" : Invariant($"[{low:F3}, {high:F3}]");
    private static string F3(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);
    private static string Pv(double p) => double.IsNaN(p) ? "n/a" : p < 0.001 ? "< 0.001" : p.ToString("0.###", CultureInfo.InvariantCulture);
}
