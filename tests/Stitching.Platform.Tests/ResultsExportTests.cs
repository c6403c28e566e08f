using Parquet;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.Platform.Tests;

/// <summary>Long-format results, the multi-sweep export and the comparison of two sweeps, on results stored without training.</summary>
public sealed class ResultsExportTests
{
    internal static string Spec(string seeds, string dataset = "fashion-mnist") => $$"""
        {
          "name": "seeds {{seeds}}",
          "dataset": "{{dataset}}",
          "senders": ["resnet(1,1,1,1)"],
          "receivers": ["resnet(1,1,1,1)"],
          "variants": ["trained->trained"],
          "senderLayers": ["stem", "1.0"],
          "receiverLayers": ["2.0", "3.0"],
          "stitchSeeds": [{{seeds}}],
          "trainLimit": 1000
        }
        """;

    /// <summary>Submits the sweep and stores a result for every planned stitch, as runners would, with the given accuracy.</summary>
    internal static async Task<string> StoreAsync(TestPlatform env, string spec, Func<StitchTask, double> accuracy)
    {
        var id = await env.SubmitAsync(spec);
        var sweep = (await env.Platform.Storage.GetSweepAsync(id))!;
        foreach (var task in SweepPlan.Create(sweep.Spec).Stitches)
        {
            var (low, high) = WilsonInterval.Of(accuracy(task), 10000);
            await env.Platform.Storage.UpsertResultAsync(id, new StoredResult(JobIds.ForStitch(task), new StitchResult(task.Variant.Name(), task.Sender.Arch, task.SenderLayer,
                task.Receiver.Arch, task.ReceiverLayer, task.Shape.KindName, task.Shape.Parameters, 3, 1000, accuracy(task), 0.7, 0.5,
                task.Sender.Seed, task.Receiver.Seed, task.StitchSeed, Converged: true, TestImages: 10000, AccuracyLow: low, AccuracyHigh: high)));
        }
        return id;
    }

    private static ExportResults Export(TestPlatform env) => new(env.Platform.Results, env.Platform.Queries);
    private static CompareSweeps Compare(TestPlatform env) => new(env.Platform.Results);

    [AzuriteFact]
    public async Task One_sweeps_results_come_as_long_csv_and_parquet_with_its_settings_on_every_row()
    {
        // Given a sweep of 4 cells x 2 stitch seeds
        await using var env = await TestPlatform.CreateAsync();
        var id = await StoreAsync(env, Spec("0, 1"), _ => 0.5);
        var results = new GetResults(env.Platform.Results, env.Platform.Storage);

        // When its results are asked for in long format
        var csv = await Http.ExecuteAsync(await results.RunAsync(Http.Request(query: "?format=long-csv"), id, default));
        var parquet = await Http.ExecuteAsync(await results.RunAsync(Http.Request(query: "?format=parquet&variant=trained-trained"), id, default));
        var plain = await Http.ExecuteAsync(await results.RunAsync(Http.Request(query: "?format=csv"), id, default));

        // Then every row carries the sweep's settings, and the plain CSV is unchanged
        Assert.Equal(200, csv.Status);
        Assert.StartsWith("text/csv", csv.ContentType);
        var lines = csv.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', LongResultsTable.Columns), lines[0]);
        Assert.Equal(9, lines.Length);
        // The spec leaves width out: every row carries the default it was planned with (SweepSpec.Width).
        Assert.All(lines.Skip(1), l => Assert.StartsWith($"{id},\"seeds 0, 1\",,,fashion-mnist,{new SweepSpec().Width},1000,,0,1,\"0,1\",", l));
        Assert.Equal(200, parquet.Status);
        Assert.Equal("application/vnd.apache.parquet", parquet.ContentType); // IANA's type for Parquet
        Assert.Contains($"{id}-results.parquet", parquet.Headers.ContentDisposition.ToString());
        Assert.Equal(8, await RowCountAsync(parquet.Bytes));
        Assert.Equal(string.Join(',', ResultsCsv.Columns), plain.Body.Split('\n')[0]);
    }

    [AzuriteFact]
    public async Task Two_sweeps_export_as_one_table_sweep_by_sweep()
    {
        await using var env = await TestPlatform.CreateAsync();
        var a = await StoreAsync(env, Spec("0, 1"), _ => 0.5);
        var b = await StoreAsync(env, Spec("2"), _ => 0.6);

        var parquet = await Http.ExecuteAsync(await Export(env).RunAsync(Http.Request(query: $"?sweeps={a},{b}&format=parquet"), default));
        var csv = await Http.ExecuteAsync(await Export(env).RunAsync(Http.Request(query: $"?sweeps={b},{a}"), default));

        Assert.Equal(200, parquet.Status);
        Assert.Equal(12, await RowCountAsync(parquet.Bytes));
        Assert.Equal(200, csv.Status);
        var ids = ResultsOf(csv.Body).Select(r => r["sweep_id"]).ToList();
        Assert.Equal(Enumerable.Repeat(b, 4).Concat(Enumerable.Repeat(a, 8)), ids);
    }

    [AzuriteFact]
    public async Task A_tags_sweeps_export_together_newest_first_and_no_other_sweep_joins_them()
    {
        await using var env = await TestPlatform.CreateAsync();
        string Tagged(string seeds, string tag) => Spec(seeds).Replace("\"dataset\"", $"\"tags\": [\"{tag}\"], \"dataset\"");
        var older = await StoreAsync(env, Tagged("0", "baseline"), _ => 0.5);
        var other = await StoreAsync(env, Tagged("1", "ablation"), _ => 0.6);
        var newer = await StoreAsync(env, Tagged("2, 3", "Baseline"), _ => 0.7); // tags match ignoring case

        var csv = await Http.ExecuteAsync(await Export(env).RunAsync(Http.Request(query: "?tag=baseline"), default));
        var both = await Http.ExecuteAsync(await Export(env).RunAsync(Http.Request(query: $"?tag=baseline&sweeps={other}"), default));
        var none = await Http.ExecuteAsync(await Export(env).RunAsync(Http.Request(query: "?tag=nobody"), default));
        var bad = await Http.ExecuteAsync(await Export(env).RunAsync(Http.Request(query: "?tag=no%20spaces"), default));

        Assert.Equal(200, csv.Status);
        var ids = ResultsOf(csv.Body).Select(r => r["sweep_id"]).ToList();
        Assert.Equal(Enumerable.Repeat(newer, 8).Concat(Enumerable.Repeat(older, 4)), ids);
        Assert.DoesNotContain(other, ids);
        Assert.Equal(400, both.Status);
        Assert.Equal(404, none.Status);
        Assert.Contains("nobody", none.Json.GetProperty("detail").GetString());
        Assert.Equal(400, bad.Status);
        Assert.Contains("is not a tag", bad.Json.GetProperty("detail").GetString());
    }

    [AzuriteTheory]
    [InlineData("", 400, "sweeps")]
    [InlineData("?sweeps=a,b&format=xlsx", 400, "format")]
    [InlineData("?sweeps=..%2Fx", 400, "sweeps")]
    [InlineData("?sweeps=no-such-sweep", 404, "no-such-sweep")]
    public async Task Bad_export_parameters_get_a_problem_naming_them(string query, int status, string named)
    {
        await using var env = await TestPlatform.CreateAsync();

        var response = await Http.ExecuteAsync(await Export(env).RunAsync(Http.Request(query: query), default));

        Assert.Equal(status, response.Status);
        Assert.Contains(named, response.Json.GetProperty("detail").GetString());
    }

    [AzuriteFact]
    public async Task Compare_marks_only_the_cell_that_moved_beyond_both_seed_spreads()
    {
        // Given two sweeps of the same cells with different stitch seeds, B better by 30 points in one cell
        await using var env = await TestPlatform.CreateAsync();
        var a = await StoreAsync(env, Spec("0, 1"), t => 0.50 + t.StitchSeed * 0.02);
        var b = await StoreAsync(env, Spec("2, 3"), t => (t.SenderLayer, t.ReceiverLayer) == ("stem", "2.0") ? 0.80 + (t.StitchSeed - 2) * 0.02 : 0.49 + (t.StitchSeed - 2) * 0.02);

        // When B is compared with A
        var json = await Http.ExecuteAsync(await Compare(env).RunAsync(Http.Request(), a, b, default));
        var svg = await Http.ExecuteAsync(await Compare(env).RunAsync(Http.Request(query: "?format=svg"), a, b, default));
        var html = await Http.ExecuteAsync(await Compare(env).RunAsync(Http.Request(query: "?format=html&variant=trained-trained"), a, b, default));

        // Then the difference is B - A, only the moved cell is marked, and the seeds are named as the setting that differs
        Assert.Equal(200, json.Status);
        var cells = json.Json.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(4, cells.Count);
        var moved = cells.Single(c => c.GetProperty("senderLayer").GetString() == "stem" && c.GetProperty("receiverLayer").GetString() == "2.0");
        Assert.Equal(0.3, moved.GetProperty("difference").GetDouble(), 9);
        Assert.True(moved.GetProperty("outside").GetBoolean());
        Assert.Equal("seed-range", moved.GetProperty("a").GetProperty("kind").GetString());
        Assert.Equal(1, cells.Count(c => c.GetProperty("outside").GetBoolean()));
        var setting = Assert.Single(json.Json.GetProperty("settingDifferences").EnumerateArray());
        Assert.Equal("sweep_stitch_seeds", setting.GetProperty("setting").GetString());
        Assert.True(json.Json.GetProperty("difference").GetProperty("marks")[0][0].GetBoolean());
        Assert.Equal(200, svg.Status);
        Assert.Contains("+0.30*", svg.Body);
        Assert.Equal(200, html.Status);
        Assert.Contains("sweep_stitch_seeds", html.Body);
    }

    [AzuriteFact]
    public async Task Compare_refuses_other_datasets_unknown_variants_and_missing_sweeps()
    {
        await using var env = await TestPlatform.CreateAsync();
        var a = await StoreAsync(env, Spec("0"), _ => 0.5);
        var cifar = await StoreAsync(env, Spec("0", "cifar10"), _ => 0.5);

        var otherData = await Http.ExecuteAsync(await Compare(env).RunAsync(Http.Request(), a, cifar, default));
        var badVariant = await Http.ExecuteAsync(await Compare(env).RunAsync(Http.Request(query: "?variant=sideways"), a, a, default));
        var badFormat = await Http.ExecuteAsync(await Compare(env).RunAsync(Http.Request(query: "?format=gif"), a, a, default));
        var badPair = await Http.ExecuteAsync(await Compare(env).RunAsync(Http.Request(query: "?sender=resnet34"), a, a, default));
        var missing = await Http.ExecuteAsync(await Compare(env).RunAsync(Http.Request(), a, "no-such-sweep", default));

        Assert.Equal(409, otherData.Status);
        Assert.Contains("cifar10", otherData.Json.GetProperty("detail").GetString());
        Assert.Equal(400, badVariant.Status);
        Assert.Contains("sideways", badVariant.Json.GetProperty("detail").GetString());
        Assert.Equal(400, badFormat.Status);
        Assert.Contains("format", badFormat.Json.GetProperty("detail").GetString());
        Assert.Equal(400, badPair.Status);
        Assert.StartsWith("sender resnet34", badPair.Json.GetProperty("detail").GetString());
        Assert.Equal(404, missing.Status);
        Assert.Contains("no-such-sweep", missing.Json.GetProperty("detail").GetString());
    }

    private static async Task<long> RowCountAsync(byte[] parquet)
    {
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(parquet));
        return Enumerable.Range(0, reader.RowGroupCount).Sum(i => reader.OpenRowGroupReader(i).RowCount);
    }

    private static List<Dictionary<string, string>> ResultsOf(string csv)
    {
        var records = Csv.ReadRecords(new StringReader(csv), "long.csv").Select(r => r.Fields).ToList();
        return records.Skip(1).Select(f => records[0].Zip(f).ToDictionary(p => p.First, p => p.Second)).ToList();
    }
}
