using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Platform.Security;

namespace Stitching.Platform.Tests;

/// <summary>The offline host (<c>Stitching.Functions serve</c>) runs the recovery timer's work in a loop, as the Function app's timer does in Azure.</summary>
[Collection(RunnerProcesses.Name)]
public sealed class LocalHostRecoveryTests
{
    [AzuriteTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_local_host_plans_a_big_sweep_with_its_recovery_loop_and_no_runner(bool ownSas)
    {
        // Given the local host with a 1 s recovery loop, and no runner; with ownSas, the API and its recovery loop each
        // configured only with their own SAS (the loop's under Stitching__Local__Timer), as scripts/offline.sh starts it
        await using var env = await TestPlatform.CreateAsync();
        var port = FreePort();
        var sas = ownSas
            ? OfflineSas.EnvironmentFor(PlatformComponent.Api, Azurite.ConnectionString, QueueBackend.Storage, TimeSpan.FromHours(1))
                .Concat(OfflineSas.EnvironmentFor(PlatformComponent.Timer, Azurite.ConnectionString, QueueBackend.Storage, TimeSpan.FromHours(1))
                    .Select(kv => KeyValuePair.Create("Stitching__Local__Timer" + kv.Key["Stitching".Length..], kv.Value)))
                .ToDictionary()
            : null;
        using var host = new LocalHost(env, port, sas);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/api/") };
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);

        // When a sweep of more than 256 jobs is submitted over HTTP
        HttpResponseMessage? answer = null;
        while (answer is null)
        {
            Assert.True(DateTime.UtcNow < until && !host.HasExited, "the local host did not listen:\n" + host.Output);
            try
            {
                answer = await http.PostAsync("sweeps", new StringContent(BackgroundPlanningTests.Big, Encoding.UTF8, "application/json"));
            }
            catch (HttpRequestException)
            {
                await Task.Delay(250);
            }
        }
        Assert.Equal(HttpStatusCode.Accepted, answer.StatusCode);
        var id = JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("sweepId").GetString()!;

        // Then the loop plans it: Active, every row written, the model jobs on the queue
        SweepRecord sweep;
        while ((sweep = (await env.Platform.Storage.GetSweepAsync(id))!).State != SweepState.Active)
        {
            Assert.True(DateTime.UtcNow < until, $"still {sweep.State} after 90 s\n{host.Output}");
            await Task.Delay(250);
        }
        Assert.Equal(sweep.TotalJobs, await env.Platform.Storage.ListJobsAsync(id).CountAsync());
        while ((await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount < sweep.ModelJobs) // the fan-out follows activation
        {
            Assert.True(DateTime.UtcNow < until, $"model jobs not all sent after 90 s\n{host.Output}");
            await Task.Delay(250);
        }
        Assert.Equal(sweep.ModelJobs, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // And it records a dead-lettered job as Failed (with ownSas: the timer's SAS receives from the poison queue, the API's cannot)
        var dead = (await env.Queue.Queue.ReceiveMessageAsync()).Value;
        await env.Queue.Poison.SendMessageAsync(dead.Body.ToString());
        await env.Queue.Queue.DeleteMessageAsync(dead.MessageId, dead.PopReceipt);
        var job = Stitching.Domain.Jobs.JobMessageParser.Parse(dead.Body.ToString()).Message!;
        while ((await env.Platform.Storage.GetJobAsync(id, job.JobId))!.State != JobState.Failed)
        {
            Assert.True(DateTime.UtcNow < until && !host.HasExited, $"dead letter not recorded after 90 s\n{host.Output}");
            await Task.Delay(250);
        }
    }

    /// <summary>The built local host, killed on dispose; its output is kept for failure messages.</summary>
    private sealed class LocalHost : IDisposable
    {
        private readonly CapturedProcess _process;

        public LocalHost(TestPlatform env, int port, IReadOnlyDictionary<string, string>? environment = null)
        {
            // Beside the runner's build output: src/Functions/bin/{configuration}/net10.0.
            var runnerBin = Path.GetDirectoryName(GpuRunnerProcess.Dll)!;
            var dll = Path.GetFullPath(Path.Combine(runnerBin, "..", "..", "..", "..", "Functions", "bin",
                Path.GetFileName(Path.GetDirectoryName(runnerBin))!, "net10.0", "Stitching.Functions.dll"));
            var start = new ProcessStartInfo("dotnet");
            start.ArgumentList.Add(dll);
            start.ArgumentList.Add("serve");
            start.Environment["Stitching__Storage__ConnectionString"] = Azurite.ConnectionString;
            start.Environment["Stitching__Storage__NamePrefix"] = env.NamePrefix;
            start.Environment["Stitching__Queue__Backend"] = "storage";
            start.Environment["Stitching__Local__Port"] = port.ToString(CultureInfo.InvariantCulture);
            start.Environment["Stitching__Local__RecoveryInterval"] = "00:00:01";
            foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;
            _process = CapturedProcess.Start(start);
        }

        public bool HasExited => _process.HasExited;

        public string Output => _process.Output;

        public void Dispose() => _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
