using System.Diagnostics;
using System.Text.Json;
using Parquet;
using Parquet.Schema;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public class LongResultsTableTests
{
    private static readonly SweepResults First = new("sweep-a", new SweepSpec
    {
        Name = "seeds 0,1", Tags = ["lr", "bn"], Description = "lr 0.002 with batch norm", Senders = ["resnet(1,2,1,2)"], Receivers = ["resnet18"], TrainLimit = 3000, StitchSeeds = [0, 1],
        Stitch = new StitchSettings { LearningRate = 0.002, BatchNorm = true },
    },
    [
        new("trained->trained", "resnet(1,2,1,2)", "stem", "resnet18", "2.1", "conv1x1", 1234, 3, 3000, 0.8734, 0.41, 12.5, 0, 1, 0, "cuda", "H100", "bf16", "nhwc",
            Converged: true, HeadOnly: false, TestImages: 10000, AccuracyLow: 0.8668, AccuracyHigh: 0.8798),
        new("trained->trained", "resnet(1,2,1,2)", "stem", "resnet18", "2.1", "conv1x1", 1234, 30, 3000, 0.861, double.NaN, 12.0, 0, 1, 1, "cuda"),
    ]);

    private static readonly SweepResults Second = new("sweep-b", new SweepSpec { Dataset = "cifar10", Width = 64 },
    [
        new("random->random", "resnet(1,1,1,1)", "1.0", "resnet(2,2,2,2)", "4.1", "conv1x1", 80, 5, 50000, 0.1, 2.3, 1.5, 7, 8, 0, "cpu", HeadOnly: true, TestImages: 10000),
    ]);

    [Fact]
    public void Every_results_csv_column_is_a_long_column_under_its_own_name()
    {
        Assert.Empty(ResultsCsv.Columns.Except(LongResultsTable.Columns));
        Assert.Equal(LongResultsTable.Columns.Count, LongResultsTable.Columns.Distinct().Count());
    }

    [Fact]
    public void Csv_has_one_row_per_stitch_with_its_sweep_settings()
    {
        var rows = ReadCsv(Csv(First));

        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal("sweep-a", r["sweep_id"]));
        Assert.Equal("seeds 0,1", rows[0]["sweep_name"]);
        Assert.Equal("lr;bn", rows[0]["tags"]);
        Assert.Equal("lr 0.002 with batch norm", rows[0]["description"]);
        Assert.Equal("3000", rows[0]["train_limit"]);
        Assert.Equal("", rows[0]["test_limit"]); // unset: all test images
        Assert.Equal("0,1", rows[0]["sweep_stitch_seeds"]);
        Assert.Equal("0.002", rows[0]["stitch_lr"]);
        Assert.Equal("true", rows[0]["stitch_batch_norm"]);
        Assert.Equal("adam", rows[0]["stitch_optimizer"]);
        Assert.Equal("0.8734", rows[0]["accuracy"]);
        Assert.Equal("NaN", rows[1]["loss"]);
        Assert.Equal("1", rows[1]["stitch_seed"]);
    }

    [Fact]
    public void Every_row_carries_its_stitch_id_in_csv_and_parquet_and_it_is_not_a_sweep_setting()
    {
        var rows = ReadCsv(Csv(First));

        Assert.Equal(First.Rows.Select(CellKey.Of), rows.Select(r => r["stitch_id"]));
        Assert.NotEqual(rows[0]["stitch_id"], rows[1]["stitch_id"]); // two stitch seeds of one cell are two stitches
        Assert.Equal("trained->trained|resnet(1,2,1,2)|0|stem|resnet18|1|2.1|1", rows[1]["stitch_id"]);
        Assert.DoesNotContain("stitch_id", LongResultsTable.SweepSettingColumns);
        var typed = LongResultsTable.Typed([First]).Single(c => c.Name == "stitch_id");
        Assert.Equal(typeof(string), typed.Type);
        Assert.Equal(rows.Select(r => (object?)r["stitch_id"]), typed.Values);
    }

    [Fact]
    public void Two_sweeps_long_csv_files_have_the_same_header_and_concatenate()
    {
        var a = Csv(First).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var b = Csv(Second).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(a[0], b[0]);
        var together = ReadCsv(string.Join('\n', a.Concat(b.Skip(1))) + "\n");
        Assert.Equal(["sweep-a", "sweep-a", "sweep-b"], together.Select(r => r["sweep_id"]));
        Assert.Equal(["fashion-mnist", "fashion-mnist", "cifar10"], together.Select(r => r["dataset"]));
    }

    [Fact]
    public async Task Parquet_round_trips_through_Parquet_Net_with_typed_columns()
    {
        using var stream = new MemoryStream();
        await LongResultsParquet.WriteAsync(stream, [First, Second]);
        stream.Position = 0;

        await using var reader = await ParquetReader.CreateAsync(stream);
        Assert.Equal(LongResultsTable.Columns, reader.Schema.DataFields.Select(f => f.Name));
        var group = reader.OpenRowGroupReader(0);
        Assert.Equal(3, group.RowCount);
        Assert.Equal(typeof(double), Field(reader, "accuracy").ClrType);
        Assert.Equal(typeof(bool), Field(reader, "converged").ClrType);
        Assert.Equal(typeof(int), Field(reader, "width").ClrType);
        Assert.Equal(typeof(long), Field(reader, "stitch_params").ClrType);
        Assert.True(Field(reader, "train_limit").IsNullable);

        var accuracy = new double[3];
        await group.ReadAsync(Field(reader, "accuracy"), accuracy.AsMemory());
        Assert.Equal([0.8734, 0.861, 0.1], accuracy);
        var loss = new double[3];
        await group.ReadAsync(Field(reader, "loss"), loss.AsMemory());
        Assert.True(double.IsNaN(loss[1]));
        var converged = new bool[3];
        await group.ReadAsync(Field(reader, "converged"), converged.AsMemory());
        Assert.Equal([true, false, false], converged);
        var trainLimit = new int?[3];
        await group.ReadAsync(Field(reader, "train_limit"), trainLimit.AsMemory());
        Assert.Equal([3000, 3000, null], trainLimit);
        var sweepIds = new string[3];
        await group.ReadAsync(Field(reader, "sweep_id"), sweepIds.AsMemory()!); // every row has one
        Assert.Equal(["sweep-a", "sweep-a", "sweep-b"], sweepIds);
        var arch = new string[3];
        await group.ReadAsync(Field(reader, "sender_arch"), arch.AsMemory()!);
        Assert.Equal("resnet(1,2,1,2)", arch[0]);
    }

    [Fact]
    public async Task A_sweep_without_results_yet_writes_a_Parquet_file_with_the_columns_and_no_rows()
    {
        using var stream = new MemoryStream();
        await LongResultsParquet.WriteAsync(stream, [First with { Rows = [] }]);
        stream.Position = 0;

        await using var reader = await ParquetReader.CreateAsync(stream);
        Assert.Equal(LongResultsTable.Columns, reader.Schema.DataFields.Select(f => f.Name));
        Assert.Equal(0, Enumerable.Range(0, reader.RowGroupCount).Sum(i => reader.OpenRowGroupReader(i).RowCount));
    }

    [HyparquetFact]
    public async Task Hyparquet_reads_the_Parquet_file_with_the_same_rows_and_values()
    {
        Requirement.Require(HyparquetFactAttribute.Missing()); // under CI=true the test runs even then, and fails here

        var path = Path.Combine(Path.GetTempPath(), $"long-{Guid.NewGuid():N}.parquet");
        try
        {
            await using (var file = File.Create(path))
                await LongResultsParquet.WriteAsync(file, [First, Second]);

            var read = await HyparquetAsync(path);

            var columns = read.GetProperty("columns").EnumerateArray().ToList();
            Assert.Equal(LongResultsTable.Columns, columns.Select(c => c.GetProperty("name").GetString()));
            Assert.Equal("DOUBLE", columns.Single(c => c.GetProperty("name").GetString() == "accuracy").GetProperty("type").GetString());
            Assert.Equal("BOOLEAN", columns.Single(c => c.GetProperty("name").GetString() == "converged").GetProperty("type").GetString());
            var rows = read.GetProperty("rows").EnumerateArray().ToList();
            Assert.Equal(3, rows.Count);
            Assert.Equal("sweep-a", rows[0].GetProperty("sweep_id").GetString());
            Assert.Equal(CellKey.Of(First.Rows[0]), rows[0].GetProperty("stitch_id").GetString());
            Assert.Equal("lr;bn", rows[0].GetProperty("tags").GetString());
            Assert.Equal(0.8734, rows[0].GetProperty("accuracy").GetDouble());
            Assert.True(rows[0].GetProperty("converged").GetBoolean());
            Assert.Equal(3000, rows[0].GetProperty("train_limit").GetInt32());
            Assert.Equal(JsonValueKind.Null, rows[2].GetProperty("train_limit").ValueKind);
            Assert.Equal("NaN", rows[1].GetProperty("loss").GetString());
            Assert.Equal(1234, rows[1].GetProperty("stitch_params").GetInt64());
            Assert.Equal("resnet18", rows[0].GetProperty("receiver_arch").GetString());
            Assert.Equal("cifar10", rows[2].GetProperty("dataset").GetString());
            Assert.Equal(0.002, rows[0].GetProperty("stitch_lr").GetDouble());
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<JsonElement> HyparquetAsync(string path)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(HyparquetFactAttribute.ToolDirectory, "read.mjs"), path])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(node.ExitCode == 0, $"node read.mjs failed ({node.ExitCode}): {await stderr}");
        return JsonDocument.Parse(await stdout).RootElement;
    }

    private static DataField Field(ParquetReader reader, string name) => reader.Schema.DataFields.Single(f => f.Name == name);

    private static string Csv(SweepResults sweep)
    {
        var writer = new StringWriter();
        LongResultsTable.WriteCsv(writer, [sweep]);
        return writer.ToString();
    }

    private static List<Dictionary<string, string>> ReadCsv(string text)
    {
        var records = Stitching.Domain.Results.Csv.ReadRecords(new StringReader(text), "long.csv").Select(r => r.Fields).ToList();
        return records.Skip(1).Select(f => records[0].Zip(f).ToDictionary(p => p.First, p => p.Second)).ToList();
    }
}
