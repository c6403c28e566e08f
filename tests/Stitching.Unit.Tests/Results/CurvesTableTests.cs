using Parquet;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public sealed class CurvesTableTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-curves-").FullName;

    private static readonly StitchResult WithCurve = new("trained->trained", "resnet(1,1,1,1)", "stem", "resnet(1,1,1,1)", "2.0", "conv1x1", 80, 1.5, 200, 0.6, 1.1, 2,
        SenderSeed: 0, ReceiverSeed: 1, StitchSeed: 2, Curve: [new(0, 2.3, 0.1), new(0.25, 1.4, 0.45), new(1.5, 1.0, 0.62)]);

    private static readonly StitchResult Other = WithCurve with { Variant = "random->random", ReceiverLayer = "4.0", Curve = [new(0, 2.31, 0.09), new(1, 2.2, 0.15)] };

    // Nothing held out: the stitch has a row in the long table and none in the curves.
    private static readonly StitchResult NoCurve = WithCurve with { SenderLayer = "1.0", Curve = null };

    private static readonly SweepResults Sweep = new("sweep-a", new SweepSpec(), [WithCurve, Other, NoCurve]);

    [Fact]
    public void One_row_per_held_out_check_with_the_stitch_identity_and_typed_values()
    {
        var rows = Read(Csv());

        Assert.Equal(3 + 2, rows.Count);
        Assert.Equal(["0", "1", "2", "0", "1"], rows.Select(r => r["check"]));
        Assert.Equal(["0", "0.25", "1.5", "0", "1"], rows.Select(r => r["epoch"]));
        Assert.Equal(["0.1", "0.45", "0.62", "0.09", "0.15"], rows.Select(r => r["heldout_accuracy"]));
        Assert.Equal("1.4", rows[1]["heldout_loss"]);
        Assert.All(rows, r => Assert.Equal("sweep-a", r["sweep_id"]));
        Assert.Equal(("trained->trained", "stem", "2.0", "0", "1", "2"),
            (rows[0]["variant"], rows[0]["sender_layer"], rows[0]["receiver_layer"], rows[0]["sender_seed"], rows[0]["receiver_seed"], rows[0]["stitch_seed"]));
    }

    [Fact]
    public void Curve_rows_join_the_long_table_on_stitch_id()
    {
        var curves = Read(Csv());
        var longIds = LongResultsTable.Typed([Sweep]).Single(c => c.Name == "stitch_id").Values.Cast<string>().ToList();

        Assert.All(curves, r => Assert.Contains(r["stitch_id"], longIds));
        Assert.Equal(longIds.Take(2), curves.Select(r => r["stitch_id"]).Distinct()); // the stitch without a curve has none
    }

    [Fact]
    public void A_written_file_reads_back_to_each_stitch_curve_in_check_order()
    {
        var path = Path.Combine(_dir, CurvesTable.FileName);
        CurvesTable.WriteFile(path, Sweep);

        var read = CurvesTable.ReadFile(path);

        Assert.Equal(2, read.Count);
        Assert.Equal(WithCurve.Curve, read[CellKey.Of(WithCurve)]);
        Assert.Equal(Other.Curve, read[CellKey.Of(Other)]);
    }

    [Fact]
    public void A_curves_file_with_a_bad_number_is_refused_naming_the_file_line_and_column()
    {
        var path = Path.Combine(_dir, CurvesTable.FileName);
        File.WriteAllText(path, Csv().Replace("0.45", "forty-five"));

        var error = Assert.Throws<InvalidDataException>(() => CurvesTable.ReadFile(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("line 3", error.Message);
        Assert.Contains("heldout_accuracy", error.Message);
    }

    [Fact]
    public async Task Parquet_has_the_csv_columns_typed()
    {
        using var stream = new MemoryStream();
        await LongResultsParquet.WriteAsync(stream, CurvesTable.Typed([Sweep]));
        stream.Position = 0;

        await using var reader = await ParquetReader.CreateAsync(stream);
        Assert.Equal(CurvesTable.Columns, reader.Schema.DataFields.Select(f => f.Name));
        Assert.Equal(typeof(int), reader.Schema.DataFields.Single(f => f.Name == "check").ClrType);
        var accuracy = new double[5];
        var group = reader.OpenRowGroupReader(0);
        await group.ReadAsync(reader.Schema.DataFields.Single(f => f.Name == "heldout_accuracy"), accuracy.AsMemory());
        Assert.Equal([0.1, 0.45, 0.62, 0.09, 0.15], accuracy);
    }

    private static string Csv()
    {
        var writer = new StringWriter();
        CurvesTable.WriteCsv(writer, [Sweep]);
        return writer.ToString();
    }

    private static List<Dictionary<string, string>> Read(string text)
    {
        var records = Stitching.Domain.Results.Csv.ReadRecords(new StringReader(text), CurvesTable.FileName).Select(r => r.Fields).ToList();
        Assert.Equal(CurvesTable.Columns, records[0]);
        return records.Skip(1).Select(f => records[0].Zip(f).ToDictionary(p => p.First, p => p.Second)).ToList();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
