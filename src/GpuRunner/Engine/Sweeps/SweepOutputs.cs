using Stitching.Core.Analysis;
using Stitching.Core.Results;
using Stitching.Core.Rendering;
using Stitching.Core.Sweeps;

namespace Stitching.GpuRunner.Sweeps;

/// <summary>
/// Files a sweep writes into its output folder: results.csv, models.csv, and per network pair
/// matrix-&lt;variant&gt;.json/.png/.svg plus matrices.png (the variants side by side, as in the seed paper's figures), and
/// the control-subtracted matrices (<see cref="Controls"/>) as matrix-&lt;variant&gt;-minus-random-random.json/.png/.svg and
/// matrices-minus-control.png. Head-only receiver columns are marked in every matrix.
/// </summary>
public static class SweepOutputs
{
    public const string ResultsFile = "results.csv";
    public const string ModelsFile = "models.csv";
    public const string StitchesFolder = "stitches";

    /// <summary>
    /// Where a local sweep keeps a trained stitch (<see cref="Interop.TorchExport.WriteStitch"/>, safetensors): named by the
    /// task id, as the platform's runner names its stitch checkpoints (<c>stitches/{id}.bin</c>).
    /// </summary>
    public static string StitchFile(string outDirectory, StitchTask task) =>
        Path.Combine(outDirectory, StitchesFolder, task.Id + Interop.SafeTensorsFile.Extension);

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

    /// <summary>The control-subtracted matrices of a pair: each of <see cref="Controlled"/> present in the sweep minus random->random.</summary>
    public static IReadOnlyList<(string Slug, SimilarityMatrix Matrix)> Controls(IReadOnlyList<(Variant Variant, SimilarityMatrix Matrix)> matrices)
    {
        var control = matrices.FirstOrDefault(m => m.Variant == Variant.RandomToRandom).Matrix;
        if (control is null) return [];
        return matrices.Where(m => Controlled.Contains(m.Variant))
            .Select(m => ($"{m.Variant.Slug()}-minus-{Variant.RandomToRandom.Slug()}",
                m.Matrix.Minus(control, $"{m.Variant.Name()} minus {Variant.RandomToRandom.Name()}")))
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
            {
                var stem = Path.Combine(dir, $"matrix-{variant.Slug()}");
                MatrixJson.WriteFile(stem + ".json", m);
                AtomicFile.WriteBytes(stem + ".png", MatrixRenderer.RenderPng(m));
                AtomicFile.Write(stem + ".svg", w => w.Write(MatrixRenderer.RenderSvg(m)));
                written.AddRange([stem + ".json", stem + ".png", stem + ".svg"]);
            }
            var grid = Path.Combine(dir, "matrices.png");
            AtomicFile.WriteBytes(grid, MatrixRenderer.RenderGridPng(matrices.Select(x => x.Matrix).ToList()));
            written.Add(grid);

            // Differences of accuracies lie in [-1, 1]: drawn on their own range, not the accuracies' 0..1 scale.
            var controls = Controls(matrices);
            var differences = RenderOptions.AutoRange with { ColorBarLabel = "accuracy minus control" };
            foreach (var (slug, m) in controls)
            {
                var stem = Path.Combine(dir, $"matrix-{slug}");
                MatrixJson.WriteFile(stem + ".json", m);
                AtomicFile.WriteBytes(stem + ".png", MatrixRenderer.RenderPng(m, differences));
                AtomicFile.Write(stem + ".svg", w => w.Write(MatrixRenderer.RenderSvg(m, differences)));
                written.AddRange([stem + ".json", stem + ".png", stem + ".svg"]);
            }
            if (controls.Count > 0)
            {
                var controlGrid = Path.Combine(dir, "matrices-minus-control.png");
                AtomicFile.WriteBytes(controlGrid, MatrixRenderer.RenderGridPng(controls.Select(x => x.Matrix).ToList(), differences));
                var both = Path.Combine(dir, "matrices-with-controls.png");
                AtomicFile.WriteBytes(both, MatrixRenderer.RenderTwoRowGridPng(matrices.Select(x => x.Matrix).ToList(), RenderOptions.Default,
                    controls.Select(x => x.Matrix).ToList(), differences));
                written.AddRange([controlGrid, both]);
            }

            var patterns = Patterns(pair, rows);
            if (patterns.Count > 0)
            {
                var json = Path.Combine(dir, PatternsFile + ".json");
                AtomicFile.Write(json, w => w.Write(System.Text.Json.JsonSerializer.Serialize(patterns, Core.Contracts.PlatformJsonContext.Indented.IReadOnlyListPatternVerdict)));
                var md = Path.Combine(dir, PatternsFile + ".md");
                AtomicFile.Write(md, w => w.Write(PatternsMarkdown(patterns)));
                written.AddRange([json, md]);
            }
        }
        return written;
    }

    public const string PatternsFile = "patterns";

    /// <summary>The seed paper's four patterns read from a pair's rows (<see cref="PaperPatterns"/>), head-only columns left out.</summary>
    public static IReadOnlyList<PatternVerdict> Patterns(PairPlan pair, IReadOnlyList<StitchResult> rows) =>
        PaperPatterns.Evaluate(pair.SenderArch.Name, pair.ReceiverArch.Name, rows, CellMatrix.HeadOnlyColumns(pair).ToHashSet());

    /// <summary>A table of verdicts, for patterns.md and the console.</summary>
    public static string PatternsMarkdown(IReadOnlyList<PatternVerdict> patterns)
    {
        var w = new StringWriter();
        w.WriteLine("| pattern | statistic | value | 95% interval | permutation p | verdict | model-seed pairs, cells |");
        w.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var p in patterns)
            w.WriteLine(System.FormattableString.Invariant(
                $"| {p.Claim} | {p.Statistic} | {p.Value:F3} | [{p.Low:F3}, {p.High:F3}] | {(p.PValue < 0.001 ? "< 0.001" : p.PValue.ToString("F3", System.Globalization.CultureInfo.InvariantCulture))} | **{p.Verdict}** | {p.ModelSeedPairs}, {p.Cells} |"));
        w.WriteLine();
        var pairs = patterns.Max(p => p.ModelSeedPairs);
        w.WriteLine(System.FormattableString.Invariant(
            $"Head-only receiver columns are left out (a stitch there is a linear probe). Intervals: bootstrap over model-seed pairs, binomial test-set noise and cells; verdicts: holds = interval on the predicted side and p < {PaperPatterns.Alpha}; does not hold = interval on the other side, or within {PaperPatterns.MinimumEffect} of zero; else cannot tell. ")
            + (pairs == 1
                ? "One model-seed pair: the interval covers test-set noise and the choice of cells, not other trained networks."
                : $"{pairs} model-seed pairs resampled."));
        return w.ToString();
    }
}
