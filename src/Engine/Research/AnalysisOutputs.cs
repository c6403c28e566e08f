using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Sweeps;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.Engine.Research;

/// <summary>
/// The analysis matrices of a sweep, beside the sweep's own (in <see cref="SweepOutputs.PairDirectory"/>):
/// matrix-&lt;variant&gt;-&lt;metric&gt;.json (mean over stitch seeds) and, with several seeds, matrix-&lt;variant&gt;-&lt;metric&gt;-std.json,
/// each with a PNG when asked; analysis.png (accuracies and controls) and analysis-representation.png (distances from the
/// expected representation) for the first variant that has them.
/// </summary>
public static class AnalysisOutputs
{
    public const string AccuracyGrid = "analysis.png";
    public const string RepresentationGrid = "analysis-representation.png";

    /// <summary>Metrics drawn as matrices: analysis.csv column, title, whether it is an accuracy (fixed 0..1 scale).</summary>
    public static IReadOnlyList<(string Column, string Title, bool IsAccuracy)> MatrixMetrics { get; } =
    [
        ("task_accuracy", "task-trained stitch accuracy", true),
        ("copy_accuracy", "copy-trained stitch accuracy", true),
        ("ls_accuracy", "least-squares stitch accuracy", true),
        ("cka", "linear CKA (sender vs expected)", true),
        ("cka_debiased", "debiased linear CKA (sender vs expected)", false),
        ("probe_accuracy", "linear-probe baseline (sender layer)", true),
        ("pixel_baseline_accuracy", "pixel baseline (pixels into receiver layer)", true),
        ("above_probe", "task accuracy minus linear probe", false),
        ("above_pixels", "task accuracy minus pixel baseline", false),
        ("penalty", "stitching penalty (receiver - stitched)", false),
        ("task_nmse", "task stitch normalized MSE", false),
        ("copy_nmse", "copy stitch normalized MSE", false),
        ("ls_nmse", "least-squares normalized MSE", false),
        ("task_distribution_distance", "task stitch distribution distance", false),
        ("copy_distribution_distance", "copy stitch distribution distance", false),
        ("task_copy_mse", "MSE(task stitch, copy stitch)", false),
        ("task_mse", "task stitch MSE", false),
        ("copy_mse", "copy stitch MSE", false),
        ("ls_mse", "least-squares MSE", false),
    ];

    private static readonly string[] AccuracyPanels = ["task_accuracy", "copy_accuracy", "ls_accuracy", "cka", "above_probe", "penalty"];
    private static readonly string[] RepresentationPanels =
        ["task_nmse", "copy_nmse", "ls_nmse", "task_distribution_distance", "copy_distribution_distance", "task_copy_mse"];

    /// <summary>Mean and population standard deviation over stitch seeds of one metric, per cell; null where no seed has a value.</summary>
    public static (SimilarityMatrix Mean, SimilarityMatrix Std) Matrix(PairPlan pair, Variant variant, IReadOnlyList<AnalysisResult> rows, string column, string title)
    {
        var senders = pair.SenderLayers.Select(l => l.Name).ToList();
        var receivers = pair.ReceiverLayers.Select(l => l.Name).ToList();
        var mean = senders.Select(_ => new double?[receivers.Count]).ToArray();
        var std = senders.Select(_ => new double?[receivers.Count]).ToArray();
        var cells = rows.Where(r => r.Variant == variant.Name() && r.SenderArch == pair.SenderArch.Name && r.ReceiverArch == pair.ReceiverArch.Name)
            .GroupBy(r => (r.SenderLayer, r.ReceiverLayer));
        foreach (var cell in cells)
        {
            int i = senders.IndexOf(cell.Key.SenderLayer), j = receivers.IndexOf(cell.Key.ReceiverLayer);
            var values = cell.Select(r => AnalysisCsv.Metric(r, column)).Where(v => !double.IsNaN(v)).ToList();
            if (i < 0 || j < 0 || values.Count == 0) continue;
            var m = values.Average();
            mean[i][j] = m;
            std[i][j] = Math.Sqrt(values.Sum(v => (v - m) * (v - m)) / values.Count);
        }
        var name = $"{variant.Name()}: {title}";
        return (new SimilarityMatrix(name, pair.SenderArch.Name, pair.ReceiverArch.Name, senders, receivers, mean),
                new SimilarityMatrix(name + " (std over seeds)", pair.SenderArch.Name, pair.ReceiverArch.Name, senders, receivers, std));
    }

    /// <summary>Accuracies on the fixed 0..1 scale, differences of accuracies on a diverging one centred on 0, the rest on their own range.</summary>
    public static RenderOptions Options(string column, bool isAccuracy, int width = 900, int height = 800)
    {
        var options = isAccuracy ? RenderOptions.Default
            : DifferenceMetrics.Contains(column) ? RenderOptions.Differences(column)
            : RenderOptions.AutoRange with { ColorBarLabel = column, ValueFormat = column.EndsWith("_mse", StringComparison.Ordinal) ? "0.0E+0" : "0.00" };
        return options with { Width = width, Height = height };
    }

    public static IReadOnlyList<string> Write(string outDirectory, SweepPlan plan, IReadOnlyList<AnalysisResult> rows, bool renderPngs = true)
    {
        var written = new List<string>();
        var seeds = plan.Spec.StitchSeeds.Count;
        foreach (var pair in plan.Pairs)
        {
            var dir = SweepOutputs.PairDirectory(outDirectory, plan, pair);
            Directory.CreateDirectory(dir);
            var gridsDone = false;
            foreach (var variant in plan.Variants)
            {
                var present = new Dictionary<string, SimilarityMatrix>();
                foreach (var (column, title, isAccuracy) in MatrixMetrics)
                {
                    var (mean, std) = Matrix(pair, variant, rows, column, title);
                    if (mean.Values.All(r => r.All(v => v is null))) continue;
                    present[column] = mean;
                    var stem = Path.Combine(dir, $"matrix-{variant.Slug()}-{column.Replace('_', '-')}");
                    MatrixJson.WriteFile(stem + ".json", mean);
                    written.Add(stem + ".json");
                    if (renderPngs)
                    {
                        AtomicFile.WriteBytes(stem + ".png", MatrixRenderer.RenderPng(mean, Options(column, isAccuracy)));
                        written.Add(stem + ".png");
                    }
                    if (seeds > 1)
                    {
                        MatrixJson.WriteFile(stem + "-std.json", std);
                        written.Add(stem + "-std.json");
                        // The task accuracy's spread is always drawn: it is the figure a reader asks for first.
                        if (renderPngs || column == "task_accuracy")
                        {
                            AtomicFile.WriteBytes(stem + "-std.png", MatrixRenderer.RenderPng(std, Options(column + " std", false)));
                            written.Add(stem + "-std.png");
                        }
                    }
                }
                // The grids show the first variant with the most analyses (trained->trained when it is in the sweep).
                if (gridsDone || present.Count == 0) continue;
                gridsDone = true;
                foreach (var (file, panels) in new[] { (AccuracyGrid, AccuracyPanels), (RepresentationGrid, RepresentationPanels) })
                {
                    var matrices = panels.Where(present.ContainsKey).Select(c => present[c]).ToList();
                    if (matrices.Count == 0) continue;
                    written.AddRange(SweepOutputs.WriteFigure(Path.Combine(dir, Path.GetFileNameWithoutExtension(file)), MatrixRenderer.MixedGridFigure(Panels(matrices))));
                }
            }
        }
        return written;
    }

    /// <summary>Panels side by side, each on its own scale (<see cref="Options"/>) because they are different metrics.</summary>
    private static IReadOnlyList<(SimilarityMatrix, RenderOptions)> Panels(IReadOnlyList<SimilarityMatrix> matrices) =>
        matrices.Select(m =>
        {
            var (column, _, isAccuracy) = MatrixMetrics.First(x => m.Title.EndsWith(x.Title, StringComparison.Ordinal));
            return (m, Options(column, isAccuracy, width: 600, height: 540));
        }).ToList();

    /// <summary>Metrics that are a difference of two accuracies: signed, read against 0.</summary>
    private static readonly string[] DifferenceMetrics = ["above_probe", "above_pixels", "penalty"];
}
