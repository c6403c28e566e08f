using System.Text.Json;
using Parquet;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Platform.Tests;

/// <summary>The runner's export, compare and long results commands, run as a user runs them: the real binary as a child process.</summary>
public sealed class CliExportCompareTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "stitching-cli-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>A local sweep output folder as the sweep command leaves it: sweep.json (the manifest, PascalCase) and results.csv.</summary>
    private string Folder(string name, int[] seeds, Func<string, string, int, double> accuracy, string dataset = "fashion-mnist")
    {
        var dir = Path.Combine(_root, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "sweep.json"), $$"""
            { "Spec": { "Name": "{{name}}", "Dataset": "{{dataset}}", "Senders": ["resnet(1,1,1,1)"], "Receivers": ["resnet(1,1,1,1)"],
                        "Variants": ["trained->trained"], "SenderLayers": ["stem", "1.0"], "ReceiverLayers": ["2.0", "3.0"],
                        "StitchSeeds": [{{string.Join(',', seeds)}}] },
              "Commit": "test", "TorchSharpVersion": "0", "Device": "cpu", "Hardware": "", "Precision": "fp32", "CreatedUtc": "2026-01-01T00:00:00Z" }
            """);
        var rows = from seed in seeds from s in new[] { "stem", "1.0" } from r in new[] { "2.0", "3.0" }
                   let a = accuracy(s, r, seed)
                   let interval = WilsonInterval.Of(a, 10000)
                   select new StitchResult("trained->trained", "resnet(1,1,1,1)", s, "resnet(1,1,1,1)", r, "conv1x1", 100, 3, 1000, a, 0.7, 0.5,
                       0, 1, seed, TestImages: 10000, AccuracyLow: interval.Low, AccuracyHigh: interval.High);
        ResultsCsv.WriteFile(Path.Combine(dir, "results.csv"), rows);
        return dir;
    }

    private static async Task<(int? Exit, string Output)> RunAsync(params string[] args) =>
        await GpuRunnerDll.RunAsync(GpuRunnerDll.Start(args), TimeSpan.FromSeconds(120));

    [Fact]
    public async Task Export_and_compare_read_local_sweep_folders()
    {
        // Given two local sweeps with different stitch seeds, B better by 30 points in one cell, and one on another dataset
        var a = Folder("seeds-0-1", [0, 1], (_, _, seed) => 0.50 + seed * 0.02);
        var b = Folder("seeds-2-3", [2, 3], (s, r, seed) => (s, r) == ("stem", "2.0") ? 0.80 + (seed - 2) * 0.02 : 0.49 + (seed - 2) * 0.02);
        var cifar = Folder("cifar", [0], (_, _, _) => 0.5, dataset: "cifar10");
        var parquet = Path.Combine(_root, "both.parquet");
        var json = Path.Combine(_root, "compare.json");

        // When they are exported and compared
        var export = await RunAsync("export", a, b, "--out", parquet);
        var csv = await RunAsync("export", a, "--format", "long-csv");
        var compare = await RunAsync("compare", a, b, "--format", "json", "--out", json);
        var table = await RunAsync("compare", a, b);
        var refused = await RunAsync("compare", a, cifar);

        // Then one long table holds both, and the comparison marks the one cell
        Assert.True(export.Exit == 0, export.Output);
        await using (var reader = await ParquetReader.CreateAsync(parquet))
        {
            Assert.Equal(LongResultsTable.Columns, reader.Schema.DataFields.Select(f => f.Name));
            Assert.Equal(16, reader.OpenRowGroupReader(0).RowCount);
        }
        Assert.True(csv.Exit == 0, csv.Output);
        Assert.Contains(string.Join(',', LongResultsTable.Columns), csv.Output);
        Assert.True(compare.Exit == 0, compare.Output);
        var result = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal("seeds-0-1", result.GetProperty("sweepA").GetString());
        Assert.Equal(1, result.GetProperty("cells").EnumerateArray().Count(c => c.GetProperty("outside").GetBoolean()));
        Assert.True(table.Exit == 0, table.Output);
        Assert.Contains("+0.30*", table.Output);
        Assert.Contains("sweep_stitch_seeds", table.Output);
        Assert.Equal(2, refused.Exit);
        Assert.Contains("cifar10", refused.Output);
    }

    [AzuriteFact]
    public async Task Results_and_compare_read_platform_sweeps()
    {
        await using var env = await TestPlatform.CreateAsync();
        var a = await ResultsExportTests.StoreAsync(env, ResultsExportTests.Spec("0, 1"), _ => 0.5);
        var b = await ResultsExportTests.StoreAsync(env, ResultsExportTests.Spec("2"), _ => 0.6);
        Directory.CreateDirectory(_root);
        var parquet = Path.Combine(_root, "platform.parquet");

        var results = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(120), ["results", "--from-storage", "--sweep", $"{a},{b}", "--format", "parquet", "--out", parquet]);
        var compare = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(120), ["compare", a, b]);
        var missing = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(120), ["results", "--from-storage", "--sweep", $"{a},no-such-sweep", "--format", "long-csv"]);

        Assert.True(results.ExitCode == 0, results.Output);
        await using (var reader = await ParquetReader.CreateAsync(parquet))
            Assert.Equal(12, reader.OpenRowGroupReader(0).RowCount);
        Assert.True(compare.ExitCode == 0, compare.Output);
        Assert.Contains("+0.10", compare.Output);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("no-such-sweep", missing.Output);
    }
}
