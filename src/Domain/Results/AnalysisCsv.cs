namespace Stitching.Domain.Results;

/// <summary>
/// analysis.csv: one <see cref="AnalysisResult"/> per cell and stitch seed, invariant culture, columns read by name.
/// A metric that was not computed is an empty field. Kept apart from results.csv so its columns can grow freely.
/// </summary>
public static class AnalysisCsv
{
    public const string FileName = "analysis.csv";

    private static readonly string[] Keys =
        ["variant", "sender_arch", "sender_seed", "sender_layer", "receiver_arch", "receiver_seed", "receiver_layer", "stitch_seed"];

    /// <summary>Metric columns, with how to read and set each one. penalty, above_probe and above_pixels are derived and written only;
    /// copy_converged is 1 or 0.
    /// Files from before the floor was dropped still read: their floor_accuracy and ceiling_accuracy columns are ignored.</summary>
    public static IReadOnlyList<(string Column, Func<AnalysisResult, double> Get, Func<AnalysisResult, double, AnalysisResult>? Set)> Metrics { get; } =
    [
        ("task_accuracy", r => r.TaskAccuracy, (r, v) => r with { TaskAccuracy = v }),
        ("task_mse", r => r.TaskMse, (r, v) => r with { TaskMse = v }),
        ("task_nmse", r => r.TaskNormalizedMse, (r, v) => r with { TaskNormalizedMse = v }),
        ("task_distribution_distance", r => r.TaskDistributionDistance, (r, v) => r with { TaskDistributionDistance = v }),
        ("copy_accuracy", r => r.CopyAccuracy, (r, v) => r with { CopyAccuracy = v }),
        ("copy_mse", r => r.CopyMse, (r, v) => r with { CopyMse = v }),
        ("copy_nmse", r => r.CopyNormalizedMse, (r, v) => r with { CopyNormalizedMse = v }),
        ("copy_distribution_distance", r => r.CopyDistributionDistance, (r, v) => r with { CopyDistributionDistance = v }),
        ("copy_epochs", r => r.CopyEpochs, (r, v) => r with { CopyEpochs = v }),
        ("copy_converged", r => r.CopyConverged is { } c ? (c ? 1 : 0) : double.NaN, (r, v) => r with { CopyConverged = v != 0 }),
        ("task_copy_mse", r => r.TaskCopyMse, (r, v) => r with { TaskCopyMse = v }),
        ("ls_accuracy", r => r.LeastSquaresAccuracy, (r, v) => r with { LeastSquaresAccuracy = v }),
        ("ls_mse", r => r.LeastSquaresMse, (r, v) => r with { LeastSquaresMse = v }),
        ("ls_nmse", r => r.LeastSquaresNormalizedMse, (r, v) => r with { LeastSquaresNormalizedMse = v }),
        ("ls_distribution_distance", r => r.LeastSquaresDistributionDistance, (r, v) => r with { LeastSquaresDistributionDistance = v }),
        ("cka", r => r.Cka, (r, v) => r with { Cka = v }),
        ("cka_debiased", r => r.CkaDebiased, (r, v) => r with { CkaDebiased = v }),
        ("pixel_baseline_accuracy", r => r.PixelBaselineAccuracy, (r, v) => r with { PixelBaselineAccuracy = v }),
        ("probe_accuracy", r => r.ProbeAccuracy, (r, v) => r with { ProbeAccuracy = v }),
        ("receiver_accuracy", r => r.ReceiverAccuracy, (r, v) => r with { ReceiverAccuracy = v }),
        ("penalty", r => r.Penalty, null),
        ("above_probe", r => r.AboveProbe, null),
        ("above_pixels", r => r.AbovePixels, null),
    ];

    public static IReadOnlyList<string> Columns { get; } = [.. Keys, .. Metrics.Select(m => m.Column)];

    public static double Metric(AnalysisResult row, string column) =>
        Metrics.FirstOrDefault(m => m.Column == column).Get?.Invoke(row)
        ?? throw new ArgumentException($"Unknown analysis column '{column}'. Known: {string.Join(", ", Metrics.Select(m => m.Column))}.");

    public static void Write(TextWriter writer, IEnumerable<AnalysisResult> rows)
    {
        Csv.WriteRow(writer, Columns);
        foreach (var r in rows)
            Csv.WriteRow(writer,
            [
                r.Variant, r.SenderArch, Csv.Format(r.SenderSeed), r.SenderLayer, r.ReceiverArch, Csv.Format(r.ReceiverSeed), r.ReceiverLayer,
                Csv.Format(r.StitchSeed), .. Metrics.Select(m => m.Get(r) is var v && double.IsNaN(v) ? "" : Csv.Format(v)),
            ]);
    }

    public static void WriteFile(string path, IEnumerable<AnalysisResult> rows) => AtomicFile.Write(path, w => Write(w, rows));

    /// <summary>Reads all rows; metric columns absent from the file (older or newer writers) stay NaN.</summary>
    public static IReadOnlyList<AnalysisResult> Read(TextReader reader, string source = FileName)
    {
        var table = CsvTable.Open(reader, source, Keys);
        return table.Rows().Select(r =>
        {
            var row = new AnalysisResult(r.String("variant"), r.String("sender_arch"), r.Int("sender_seed"), r.String("sender_layer"),
                r.String("receiver_arch"), r.Int("receiver_seed"), r.String("receiver_layer"), r.Int("stitch_seed"));
            foreach (var (column, _, set) in Metrics)
                if (set is not null && r.String(column, "") is { Length: > 0 } text)
                    row = set(row, r.Double(column));
            return row;
        }).ToList();
    }

    public static IReadOnlyList<AnalysisResult> ReadFile(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }
}
