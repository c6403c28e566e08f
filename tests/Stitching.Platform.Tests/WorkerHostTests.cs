using Microsoft.Extensions.Configuration;
using Stitching.Core.Jobs;
using Stitching.Functions.Sweeps;

namespace Stitching.Platform.Tests;

public sealed class WorkerHostTests
{
    [AzuriteFact]
    public async Task Worker_host_built_from_configuration_runs_a_sweep_to_the_end()
    {
        await using var env = await TestPlatform.CreateAsync();
        var submitted = await Http.ExecuteAsync(await new SubmitSweep(env.Platform.Coordinator).RunAsync(Http.Request("POST", Specs.Small), default));
        var id = submitted.Json.GetProperty("sweepId").GetString()!;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stitching:Storage:ConnectionString"] = Azurite.ConnectionString,
            ["Stitching:Storage:NamePrefix"] = env.Platform.Storage.Jobs.Name[..^"jobs".Length],
            ["Stitching:Queue:Backend"] = "storage",
            ["Stitching:Queue:RetryDelay"] = "00:00:00.3",
            ["Stitching:Worker:CheckpointDirectory"] = Path.Combine(Path.GetTempPath(), "stitching-tests", Guid.NewGuid().ToString("N")),
        }).Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var run = await WorkerHost.RunAsync(configuration, new FakeExecutor(), maxJobs: 6, timeout.Token);

        Assert.Equal(new WorkerRun(6, 0, false), run);
        Assert.Equal(0, run.ExitCode);
        Assert.True((await env.Platform.Coordinator.GetStatusAsync(id))!.Finished);
    }

    [Fact]
    public async Task A_receive_wait_that_is_not_positive_is_refused_before_storage_is_touched()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            // A closed port: touching storage would hang in retries instead of failing at once.
            ["Stitching:Storage:ConnectionString"] = "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=" + Convert.ToBase64String(new byte[64])
                + ";BlobEndpoint=http://127.0.0.1:9/a;QueueEndpoint=http://127.0.0.1:9/a;TableEndpoint=http://127.0.0.1:9/a;",
            ["Stitching:Worker:ReceiveWait"] = "00:00:00",
        }).Build();

        var error = await Assert.ThrowsAsync<ArgumentException>(() => WorkerHost.RunAsync(configuration, new FakeExecutor(), maxJobs: 1, default));

        Assert.Contains("Stitching:Worker:ReceiveWait must be a positive time span", error.Message);
    }
}
