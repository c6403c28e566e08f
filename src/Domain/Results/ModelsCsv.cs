namespace Stitching.Domain.Results;

/// <summary>
/// models.csv: one <see cref="ModelResult"/> per base model (trained and random controls), invariant culture;
/// <c>heldout_curve</c> is the held-out accuracy after each epoch, space-separated.
/// </summary>
public static class ModelsCsv
{
    public const string FileName = "models.csv";

    public static IReadOnlyList<string> Columns { get; } =
        ["arch", "width", "dataset", "seed", "trained", "epochs", "train_images", "accuracy", "loss", "hardware", "layout",
         "prediction_entropy_bits", "predicted_classes", "random_init", "heldout_curve", "provenance_id"];

    // Files written before the provenance and prediction-spread columns existed still read; those fields take the record's defaults.
    private static readonly IReadOnlyList<string> Required = Columns.Take(9).ToArray();

    public static void Write(TextWriter writer, IEnumerable<ModelResult> rows)
    {
        Csv.WriteRow(writer, Columns);
        foreach (var m in rows)
            Csv.WriteRow(writer,
            [
                m.Arch, Csv.Format(m.Width), m.Dataset, Csv.Format(m.Seed), Csv.Format(m.Trained),
                Csv.Format(m.Epochs), Csv.Format(m.TrainImages), Csv.Format(m.Accuracy), Csv.Format(m.Loss),
                m.Hardware, m.Layout, Csv.Format(m.PredictionEntropyBits), Csv.Format(m.PredictedClasses), m.RandomInit,
                string.Join(' ', m.HeldOutCurve.Select(Csv.Format)), m.ProvenanceId,
            ]);
    }

    /// <summary>Replaces <paramref name="path"/> atomically: readers never see a half-written table.</summary>
    public static void WriteFile(string path, IEnumerable<ModelResult> rows) => AtomicFile.Write(path, w => Write(w, rows));

    /// <summary>Reads all rows; a malformed table throws <see cref="InvalidDataException"/> naming <paramref name="source"/> and the line.</summary>
    public static IReadOnlyList<ModelResult> Read(TextReader reader, string source = FileName)
    {
        var table = CsvTable.Open(reader, source, Required);
        return table.Rows().Select(r => new ModelResult(
            r.String("arch"), r.Int("width"), r.String("dataset"), r.Int("seed"), r.Bool("trained"),
            r.Int("epochs"), r.Int("train_images"), r.Double("accuracy"), r.Double("loss"),
            r.String("hardware", ""), r.String("layout", ""),
            r.Double("prediction_entropy_bits", double.NaN), r.Int("predicted_classes", 0), r.String("random_init", ""))
        {
            HeldOutCurve = r.String("heldout_curve", "").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => double.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToList(),
            ProvenanceId = r.String("provenance_id", ""),
        }).ToList();
    }

    public static IReadOnlyList<ModelResult> ReadFile(string path)
    {
        using var reader = new StreamReader(path);
        return Read(reader, path);
    }
}
