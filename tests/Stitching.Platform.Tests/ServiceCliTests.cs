using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;

namespace Stitching.Platform.Tests;

/// <summary>
/// The CLI as a client of the API, as a researcher uses it against a deployment: submit (with an Idempotency-Key),
/// status, watch, cancel, results and retry over HTTP, with the API's URL and no storage credentials, against the local host serving the
/// real function classes.
/// </summary>
[Collection(RunnerProcesses.Name)]
public sealed partial class ServiceCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-service-cli-").FullName;

    [AzuriteFact]
    public async Task Submit_status_watch_and_cancel_go_through_the_api_and_a_resubmitted_key_gives_the_first_sweep()
    {
        await using var env = await TestPlatform.CreateAsync();
        await using var api = await TestPlatform.StartApiAsync(env);
        var url = api.Urls.Single();
        var spec = Path.Combine(_dir, "spec.json");
        await File.WriteAllTextAsync(spec, Specs.Small);
        // No storage settings reach the CLI: only the API's URL.
        var noStorage = new Dictionary<string, string> { ["Stitching__Storage__ConnectionString"] = "", ["STITCHING_API_URL"] = url };
        async Task<(int Exit, string Output)> Cli(params string[] args) => await GpuRunnerProcess.RunAsync(env, TimeSpan.FromMinutes(2), args, noStorage);

        // When a sweep is submitted twice with one key
        var (exit, first) = await Cli("submit", "--spec", spec, "--idempotency-key", "paper-run-1");
        Assert.True(exit == 0, first);
        var id = SweepId().Match(first).Groups[1].Value;
        var (_, again) = await Cli("submit", "--spec", spec, "--idempotency-key", "paper-run-1");

        // Then it is one sweep, and status tells its jobs
        Assert.Equal(id, SweepId().Match(again).Groups[1].Value);
        Assert.Single(await env.Platform.Storage.ListSweepsAsync().ToListAsync());
        var (statusExit, status) = await Cli("status", id);
        Assert.True(statusExit == 0, status);
        Assert.Contains($"sweep {id}", status, StringComparison.Ordinal);
        Assert.Contains("/6 jobs done", status, StringComparison.Ordinal); // 2 models, 4 single-stitch jobs

        // And cancel stops it, after which watch sees it finished without every job done (exit 1)
        var (cancelExit, cancelled) = await Cli("cancel", id);
        Assert.True(cancelExit == 0, cancelled);
        Assert.Contains("Cancelled", cancelled, StringComparison.Ordinal);
        var (watchExit, watched) = await Cli("watch", id, "--interval", "0.2");
        Assert.True(watchExit == 1, watched);
        Assert.Contains("finished", watched, StringComparison.Ordinal);

        // And the API's problems reach the user: an unknown sweep, a missing URL
        var (missingExit, missing) = await Cli("status", "nosuchsweep");
        Assert.NotEqual(0, missingExit);
        Assert.Contains("404", missing, StringComparison.Ordinal);
        var (noUrlExit, noUrl) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromMinutes(1), ["status", id], new Dictionary<string, string> { ["STITCHING_API_URL"] = "", ["XDG_CONFIG_HOME"] = _dir });
        Assert.NotEqual(0, noUrlExit);
        Assert.Contains("STITCHING_API_URL", noUrl, StringComparison.Ordinal);
    }

    [AzuriteFact]
    public async Task Results_and_retry_go_through_the_api_and_write_what_the_operators_storage_path_writes()
    {
        // Given two sweeps with stored results (8 and 4 stitches) and a third whose model jobs all failed
        await using var env = await TestPlatform.CreateAsync(maxDeliveries: 1);
        var a = await ResultsExportTests.StoreAsync(env, ResultsExportTests.Spec("0, 1"), t => 0.5 + t.StitchSeed * 0.1);
        var b = await ResultsExportTests.StoreAsync(env, ResultsExportTests.Spec("2"), _ => 0.6);
        var failedId = await env.SubmitAsync();
        await TestPlatform.DrainAsync(env.Processor(new FakeExecutor(failModels: true)));
        var failed = (await env.Platform.Queries.GetStatusAsync(failedId))!;
        Assert.True(failed.Finished && failed.Failed == failed.Total, $"{failed}");
        await using var api = await TestPlatform.StartApiAsync(env);
        var noStorage = new Dictionary<string, string> { ["Stitching__Storage__ConnectionString"] = "", ["STITCHING_API_URL"] = api.Urls.Single() };
        async Task<string> Cli(params string[] args)
        {
            var (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromMinutes(2), args, noStorage);
            Assert.True(exit == 0, $"{string.Join(' ', args)}: {output}");
            return output;
        }
        async Task<string> Storage(params string[] args)
        {
            var (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromMinutes(2), ["results", "--from-storage", .. args]);
            Assert.True(exit == 0, $"{string.Join(' ', args)}: {output}");
            return output;
        }
        string File(string name) => Path.Combine(_dir, name);

        // When results are read through the API with no storage settings, and the same through the operator's storage path
        await Cli("results", "--sweep", a, "--format", "csv", "--out", File("api.csv"));
        await Storage("--sweep", a, "--format", "csv", "--out", File("storage.csv"));
        await Cli("results", "--sweep", $"{a},{b}", "--format", "long-csv", "--out", File("api-long.csv"));
        await Storage("--sweep", $"{a},{b}", "--format", "long-csv", "--out", File("storage-long.csv"));
        await Cli("results", "--sweep", $"{a},{b}", "--format", "parquet", "--out", File("both.parquet"));
        var json = await Cli("results", "--sweep", a, "--format", "json", "--variant", "trained->trained", "--sender-layer", "stem");
        var table = await Cli("results", "--sweep", b);
        var list = await Cli("results", "--list", "--format", "json");

        // Then the files are the storage path's, byte for byte, and every view holds the sweep's rows
        Assert.Equal(System.IO.File.ReadAllBytes(File("storage.csv")), System.IO.File.ReadAllBytes(File("api.csv")));
        Assert.Equal(9, System.IO.File.ReadAllLines(File("api.csv")).Length); // header + 8 stitches
        Assert.Equal(System.IO.File.ReadAllBytes(File("storage-long.csv")), System.IO.File.ReadAllBytes(File("api-long.csv")));
        await using (var reader = await Parquet.ParquetReader.CreateAsync(File("both.parquet")))
            Assert.Equal(12, reader.OpenRowGroupReader(0).RowCount);
        var rows = JsonDocument.Parse(json).RootElement.EnumerateArray().ToList();
        Assert.Equal(4, rows.Count); // the filters reach the API: sender layer stem only, 2 receiver layers x 2 seeds
        Assert.All(rows, r => Assert.Equal("stem", r.GetProperty("result").GetProperty("senderLayer").GetString()));
        Assert.Contains("4 results", table, StringComparison.Ordinal);
        var listed = JsonDocument.Parse(list).RootElement.GetProperty("sweeps").EnumerateArray().Select(s => s.GetProperty("sweepId").GetString()).ToList();
        Assert.Equal(new[] { a, b, failedId }.Order(), listed.Order());

        // And retry re-queues the failed jobs through the API, which the sweep's status then shows
        var retried = await Cli("retry", "--sweep", failedId);
        Assert.Contains($"{failed.Total} job(s) re-queued", retried, StringComparison.Ordinal);
        var after = (await env.Platform.Queries.GetStatusAsync(failedId))!;
        Assert.True(after.Failed == 0 && after.Queued == after.Total, $"{after}");
        Assert.Contains("Nothing retried", await Cli("retry", "--sweep", failedId), StringComparison.Ordinal);

        // And an unknown sweep is the API's 404, named, with exit 2
        foreach (var args in new[] { new[] { "results", "--sweep", "nosuchsweep", "--format", "csv" }, ["retry", "--sweep", "nosuchsweep"] })
        {
            var (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromMinutes(2), args, noStorage);
            Assert.True(exit == 2, output);
            Assert.Contains("404", output, StringComparison.Ordinal);
            Assert.Contains("nosuchsweep", output, StringComparison.Ordinal);
        }
    }

    [GeneratedRegex(@"sweep ([0-9a-f]{32})")]
    private static partial Regex SweepId();

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
