namespace Stitching.Domain.Results;

/// <summary>
/// Base models' held-out learning curves in long format (model-curves.csv): one row per trained model and epoch, the
/// typed form of models.csv's space-separated <c>heldout_curve</c> (kept there for files and readers that use it).
/// Rows join models.csv on (<c>arch</c>, <c>seed</c>, <c>trained</c>); <c>epoch</c> counts from 1; random controls
/// train no epochs and have no rows.
/// </summary>
public static class ModelCurvesTable
{
    public const string FileName = "model-curves.csv";

    private static readonly IReadOnlyList<TableColumn<Row>> Schema =
    [
        TableColumn<Row>.Text("arch", r => r.Model.Arch),
        TableColumn<Row>.Number("seed", r => r.Model.Seed),
        TableColumn<Row>.Number("trained", r => r.Model.Trained),
        TableColumn<Row>.Number("epoch", r => r.Epoch),
        TableColumn<Row>.Number("heldout_accuracy", r => r.Accuracy),
    ];

    public static IReadOnlyList<string> Columns { get; } = Schema.Select(c => c.Name).ToList();

    public static void WriteCsv(TextWriter writer, IEnumerable<ModelResult> models) => TableColumn<Row>.WriteCsv(writer, Schema, Rows(models));

    /// <summary>Replaces <paramref name="path"/> atomically, as models.csv beside it.</summary>
    public static void WriteFile(string path, IEnumerable<ModelResult> models) => AtomicFile.Write(path, w => WriteCsv(w, models));

    private static IEnumerable<Row> Rows(IEnumerable<ModelResult> models) =>
        models.SelectMany(m => m.HeldOutCurve.Select((accuracy, k) => new Row(m, k + 1, accuracy)));

    private readonly record struct Row(ModelResult Model, int Epoch, double Accuracy);
}
