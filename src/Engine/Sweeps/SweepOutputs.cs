using System.Globalization;
using Stitching.Domain.Analysis;
using Stitching.Domain.Results;
using Stitching.Reporting.Tables;
using Stitching.Reporting.Rendering;
using Stitching.Domain.Sweeps;

namespace Stitching.Engine.Sweeps;

/// <summary>
/// Files a sweep writes into its output folder: results.csv, models.csv, and per network pair
/// matrix-&lt;variant&gt;.json/.png/.svg plus matrices.png (the variants side by side, as in the seed paper's figures), and
/// the control-subtracted matrices (<see cref="Controls"/>) as matrix-&lt;variant&gt;-minus-random-random.json/.png/.svg and
/// matrices-minus-control.png, the interaction contrast trained->trained - random->trained - trained->random +
/// random->random with per-cell intervals over network pairs (<see cref="PairContrastMatrix"/>) as matrix-interaction.json/.png/.svg,
/// and the patterns (<see cref="PaperPatterns"/>) as patterns.json/.md. Head-only receiver columns are marked in every matrix.
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

    /// <summary>One matrix per variant of a pair, from the rows of that pair (<see cref="SweepReport"/>).</summary>
    public static IReadOnlyList<(Variant Variant, SimilarityMatrix Matrix)> Matrices(SweepPlan plan, PairPlan pair, IReadOnlyList<StitchResult> rows) =>
        SweepReport.Build(plan, pair, rows).Matrices;

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
            var grid = Path.Combine(dir, "matrices.png");
            AtomicFile.WriteBytes(grid, MatrixRenderer.RenderGridPng(matrices.Select(x => x.Matrix).ToList()));
            written.Add(grid);

            // Differences of accuracies lie in [-1, 1]: drawn on their own range, not the accuracies' 0..1 scale.
            var controls = report.Controls;
            var differences = RenderOptions.AutoRange with { ColorBarLabel = "accuracy minus control" };
            foreach (var (slug, m) in controls)
                written.AddRange(WriteMatrix(Path.Combine(dir, $"matrix-{slug}"), m, differences));
            if (controls.Count > 0)
            {
                var controlGrid = Path.Combine(dir, "matrices-minus-control.png");
                AtomicFile.WriteBytes(controlGrid, MatrixRenderer.RenderGridPng(controls.Select(x => x.Matrix).ToList(), differences));
                var both = Path.Combine(dir, "matrices-with-controls.png");
                AtomicFile.WriteBytes(both, MatrixRenderer.RenderTwoRowGridPng(matrices.Select(x => x.Matrix).ToList(), RenderOptions.Default,
                    controls.Select(x => x.Matrix).ToList(), differences));
                written.AddRange([controlGrid, both]);
            }

            written.AddRange(WritePatterns(dir, report));
        }
        return written;
    }

    public const string PatternsFile = "patterns";

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
                RenderOptions.AutoRange with { ColorBarLabel = "interaction (accuracy)" }));
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
