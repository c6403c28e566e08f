namespace Stitching.Domain.Results;

/// <summary>
/// Stitches' held-out learning curves in long format (curves.csv): one row per check of one stitch, with the stitch's
/// identity beside it, so pandas groups them without parsing. Rows join the long results table
/// (<see cref="LongResultsTable"/>) on (<c>sweep_id</c>, <c>stitch_id</c>). <c>check</c> counts the kept checks from 0 (the
/// initialization); <c>epoch</c> is fractional (steps run / steps per epoch); loss and accuracy are the held-out mean
/// cross-entropy and fraction correct (<see cref="CurvePoint"/>). A stitch with nothing held out has no rows. The typed
/// columns (<see cref="Typed"/>) are what the reporting library writes as Parquet.
/// </summary>
public static class CurvesTable
{
    public const string FileName = "curves.csv";

    private static readonly IReadOnlyList<TableColumn<Row>> Schema =
    [
        TableColumn<Row>.Text("sweep_id", r => r.SweepId),
        TableColumn<Row>.Text("stitch_id", r => CellKey.Of(r.Result)),
        TableColumn<Row>.Text("variant", r => r.Result.Variant),
        TableColumn<Row>.Text("sender_arch", r => r.Result.SenderArch),
        TableColumn<Row>.Text("sender_layer", r => r.Result.SenderLayer),
        TableColumn<Row>.Text("receiver_arch", r => r.Result.ReceiverArch),
        TableColumn<Row>.Text("receiver_layer", r => r.Result.ReceiverLayer),
        TableColumn<Row>.Number("sender_seed", r => r.Result.SenderSeed),
        TableColumn<Row>.Number("receiver_seed", r => r.Result.ReceiverSeed),
        TableColumn<Row>.Number("stitch_seed", r => r.Result.StitchSeed),
        TableColumn<Row>.Number("check", r => r.Check),
        TableColumn<Row>.Number("epoch", r => r.Point.Epoch),
        TableColumn<Row>.Number("heldout_loss", r => r.Point.Loss),
        TableColumn<Row>.Number("heldout_accuracy", r => r.Point.Accuracy),
    ];

    public static IReadOnlyList<string> Columns { get; } = Schema.Select(c => c.Name).ToList();

    public static void WriteCsv(TextWriter writer, IEnumerable<SweepResults> sweeps) => TableColumn<Row>.WriteCsv(writer, Schema, Rows(sweeps));

    /// <summary>Replaces <paramref name="path"/> atomically: a sweep rewrites it beside results.csv after every receiver layer.</summary>
    public static void WriteFile(string path, SweepResults sweep) => AtomicFile.Write(path, w => WriteCsv(w, [sweep]));

    /// <summary>Every column with its CLR type and values, as <see cref="LongResultsTable.Typed"/>.</summary>
    public static IReadOnlyList<TypedColumn> Typed(IEnumerable<SweepResults> sweeps) => TableColumn<Row>.Typed(Schema, Rows(sweeps));

    /// <summary>
    /// The curves of a curves.csv by stitch id, points in check order: how a resumed local sweep gives back the curves of
    /// the stitches it does not train again (results.csv has no column for them). A malformed file throws
    /// <see cref="InvalidDataException"/> naming the file and the line.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<CurvePoint>> ReadFile(string path)
    {
        using var reader = new StreamReader(path);
        var table = CsvTable.Open(reader, path, ["stitch_id", "check", "epoch", "heldout_loss", "heldout_accuracy"]);
        return table.Rows()
            .Select(r => (Id: r.String("stitch_id"), Check: r.Int("check"), Point: new CurvePoint(r.Double("epoch"), r.Double("heldout_loss"), r.Double("heldout_accuracy"))))
            .ToList()
            .GroupBy(r => r.Id)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<CurvePoint>)g.OrderBy(r => r.Check).Select(r => r.Point).ToList());
    }

    private static IEnumerable<Row> Rows(IEnumerable<SweepResults> sweeps) =>
        sweeps.SelectMany(s => s.Rows.SelectMany(r => (r.Curve ?? []).Select((p, k) => new Row(s.SweepId, r, k, p))));

    private readonly record struct Row(string SweepId, StitchResult Result, int Check, CurvePoint Point);
}
