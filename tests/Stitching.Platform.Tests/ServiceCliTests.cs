using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;

namespace Stitching.Platform.Tests;

/// <summary>
/// The CLI as a client of the API, as a researcher uses it against a deployment: submit (with an Idempotency-Key),
/// status, watch and cancel over HTTP, with the API's URL and no storage credentials, against the local host serving the
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

    [GeneratedRegex(@"sweep ([0-9a-f]{32})")]
    private static partial Regex SweepId();

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
