using Stitching.Core.Results;
using Stitching.Core.Rendering;
using Stitching.Core.Sweeps;

namespace Stitching.GpuRunner.Sweeps;

/// <summary>
/// Files a sweep writes into its output folder: results.csv, models.csv, and per network pair
/// matrix-&lt;variant&gt;.json/.png/.svg plus matrices.png (the variants side by side, as in the seed paper's figures).
/// </summary>
public static class SweepOutputs
{
    public const string ResultsFile = "results.csv";
    public const string ModelsFile = "models.csv";

    /// <summary>Where a pair's matrices go: the output folder itself for a one-pair sweep, else a subfolder per pair.</summary>
    public static string PairDirectory(string outDirectory, SweepPlan plan, PairPlan pair) =>
        plan.Pairs.Count == 1 ? outDirectory : Path.Combine(outDirectory, "pairs", $"{Slug(pair.SenderArch.Name)}__{Slug(pair.ReceiverArch.Name)}");

    public static string Slug(string arch) => arch.Replace("(", "").Replace(")", "").Replace(",", "-");

    /// <summary>One matrix per variant of a pair, from the rows of that pair (mean over stitch seeds when there are several).</summary>
    public static IReadOnlyList<(Variant Variant, SimilarityMatrix Matrix)> Matrices(SweepPlan plan, PairPlan pair, IReadOnlyList<StitchResult> rows)
    {
        var list = new List<(Variant, SimilarityMatrix)>();
        foreach (var variant in plan.Variants)
        {
            var cells = rows.Where(r => r.Variant == variant.Name() && r.SenderArch == pair.SenderArch.Name && r.ReceiverArch == pair.ReceiverArch.Name)
                .GroupBy(r => (r.SenderLayer, r.ReceiverLayer))
                .Select(g => g.First() with { Accuracy = g.Average(r => r.Accuracy) });
            list.Add((variant, SimilarityMatrix.From(variant.Name(), pair.SenderArch.Name, pair.ReceiverArch.Name,
                pair.SenderLayers.Select(l => l.Name).ToList(), pair.ReceiverLayers.Select(l => l.Name).ToList(), cells)));
        }
        return list;
    }

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
        }
        return written;
    }
}
