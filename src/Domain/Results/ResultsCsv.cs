using Stitching.Domain.Contracts;

namespace Stitching.Domain.Results;

/// <summary>
/// results.csv: one <see cref="StitchResult"/> per line, invariant culture. The first twelve columns are
/// fixed (scripts and the paper's tables read them by position); provenance columns follow.
/// </summary>
public static class ResultsCsv
{
    public const string FileName = "results.csv";

    public static IReadOnlyList<string> Columns { get; } =
    [
        "variant", "sender_arch", "sender_layer", "receiver_arch", "receiver_layer", "stitch_kind", "stitch_params",
        "epochs", "train_images", "accuracy", "loss", "seconds",
        "sender_seed", "receiver_seed", "stitch_seed", "device", "hardware", "precision", "layout", "converged", "head_only", "test_images", "accuracy_low", "accuracy_high",
        "provenance_id", "stop_reason",
    ];

    // Files written before the provenance, converged, head_only, interval, provenance_id and stop_reason columns existed still read; those fields take the record's defaults.
    private static readonly IReadOnlyList<string> Required = Columns.Take(12).ToArray();

    public static void Write(TextWriter writer, IEnumerable<StitchResult> rows)
    {
        Csv.WriteRow(writer, Columns);
        foreach (var r in rows)
            Csv.WriteRow(writer,
            [
                r.Variant, r.SenderArch, r.SenderLayer, r.ReceiverArch, r.ReceiverLayer, r.StitchKind, Csv.Format(r.StitchParams),
                Csv.Format(r.Epochs), Csv.Format(r.TrainImages), Csv.Format(r.Accuracy), Csv.Format(r.Loss), Csv.Format(r.Seconds),
                Csv.Format(r.SenderSeed), Csv.Format(r.ReceiverSeed), Csv.Format(r.StitchSeed), r.Device,
                r.Hardware, r.Precision, r.Layout, Csv.Format(r.Converged), Csv.Format(r.HeadOnly),
                Csv.Format(r.TestImages), Csv.Format(r.AccuracyLow), Csv.Format(r.AccuracyHigh), r.ProvenanceId,
                r.Stop.Name(),
            ]);
    }

    /// <summary>Replaces <paramref name="path"/> atomically: readers never see a half-written table.</summary>
    public static void WriteFile(string path, IEnumerable<StitchResult> rows) => AtomicFile.Write(path, w => Write(w, rows));

    /// <summary>Reads all rows; a malformed table throws <see cref="InvalidDataException"/> naming <paramref name="source"/> and the line.</summary>
    public static IReadOnlyList<StitchResult> Read(TextReader reader, string source = FileName)
    {
        var table = CsvTable.Open(reader, source, Required);
        return table.Rows().Select(r => new StitchResult(
            r.String("variant"), r.String("sender_arch"), r.String("sender_layer"), r.String("receiver_arch"), r.String("receiver_layer"),
            r.String("stitch_kind"), r.Long("stitch_params"), r.Double("epochs"), r.Int("train_images"),
            r.Double("accuracy"), r.Double("loss"), r.Double("seconds"),
            r.Int("sender_seed", 0), r.Int("receiver_seed", 0), r.Int("stitch_seed", 0), r.String("device", "cpu"),
            r.String("hardware", ""), r.String("precision", ""), r.String("layout", ""), r.Bool("converged", false), r.Bool("head_only", false),
            r.Int("test_images", 0), r.Double("accuracy_low", double.NaN), r.Double("accuracy_high", double.NaN),
            ProvenanceId: r.String("provenance_id", ""),
            Stop: WireNames.Parse<StopReason>(r.String("stop_reason", "unrecorded"), "stop_reason"))).ToList();
    }

    public static IReadOnlyList<StitchResult> ReadFile(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }
}
