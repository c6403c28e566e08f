using System.Globalization;
using Stitching.Domain.Analysis;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

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
    public const string StitchesFolder = "stitches";

    /// <summary>
    /// Where a local sweep keeps a trained stitch (<see cref="Interop.TorchExport.WriteStitch"/>, safetensors): named by the
    /// task id, as the platform's runner names its stitch checkpoints (<c>stitches/{id}.bin</c>).
    /// </summary>
    public static string StitchFile(string outDirectory, StitchTask task) => StitchFile(outDirectory, task.Id);

    public static string StitchFile(string outDirectory, string taskId) => Path.Combine(outDirectory, StitchesFolder, taskId + Interop.SafeTensorsFile.Extension);

    /// <summary>Where a pair's matrices go: the output folder itself for a one-pair sweep, else a subfolder per pair.</summary>
    public static string PairDirectory(string outDirectory, SweepPlan plan, PairPlan pair) =>
        plan.Pairs.Count == 1 ? outDirectory : Path.Combine(outDirectory, "pairs", $"{Slug(pair.SenderArch.Name)}__{Slug(pair.ReceiverArch.Name)}");

    public static string Slug(string arch) => arch.Replace("(", "").Replace(")", "").Replace(",", "-");

    /// <summary>One matrix per variant of a pair, from the rows of that pair (<see cref="SweepReport"/>).</summary>
    public static IReadOnlyList<(Variant Variant, SimilarityMatrix Matrix)> Matrices(SweepPlan plan, PairPlan pair, IReadOnlyList<StitchResult> rows) =>
        SweepReport.Matrices(plan, pair, rows.Select(r => ((string?)null, r)).ToList());

    public static IReadOnlyList<string> WriteMatrices(string outDirectory, SweepPlan plan, IReadOnlyList<StitchResult> rows)
    {
        var written = new List<string>();
        foreach (var pair in plan.Pairs)
        {
            var dir = PairDirectory(outDirectory, plan, pair);
            Directory.CreateDirectory(dir);
            var report = SweepReport.Build(plan, pair, rows);
            var matrices = report.Matrices;
            foreach (var (variant, m) in matrices)
                written.AddRange(WriteMatrix(Path.Combine(dir, $"matrix-{variant.Slug()}"), m));
            var raw = matrices.Select(x => x.Matrix).ToList();
            written.AddRange(WriteFigure(Path.Combine(dir, "matrices"), MatrixRenderer.GridFigure(raw)));

            // Differences of accuracies lie in [-1, 1]: one diverging scale centred on 0, shared by every panel of a figure.
            var controls = report.Controls;
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

            written.AddRange(WritePatterns(dir, report));
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
    public static IReadOnlyList<string> WritePatterns(string dir, PairReport report)
    {
        var written = new List<string>();
        if (report.Interaction is { } interaction)
            written.AddRange(WriteMatrix(Path.Combine(dir, $"matrix-{PairContrastMatrix.InteractionSlug}"), interaction,
                RenderOptions.Differences("interaction (accuracy)")));
        if (report.Patterns.Count > 0)
        {
            var json = Path.Combine(dir, PatternsFile + ".json");
            AtomicFile.Write(json, w => w.Write(System.Text.Json.JsonSerializer.Serialize(report.Patterns, Stitching.Domain.Contracts.PlatformJsonContext.Indented.IReadOnlyListPatternVerdict)));
            var md = Path.Combine(dir, PatternsFile + ".md");
            AtomicFile.Write(md, w => w.Write(PatternsMarkdown.Write(report.Patterns, report.Interaction)));
            written.AddRange([json, md]);
        }
        return written;
    }
}
