using Azure.Data.Tables;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Stitching.DevTools;
using Stitching.Domain.Jobs;
using Stitching.Functions;
using Stitching.Functions.Sweeps;
using Stitching.Platform;
using Stitching.Execution;
using Stitching.Platform.Processing;
using Stitching.Platform.Queues;

namespace Stitching.Platform.Tests;

/// <summary>The worker as a BackgroundService on the Generic Host, and the platform's registration every host shares.</summary>
public sealed class WorkerHostTests
{
    // A closed port: touching storage would hang in retries instead of failing at once.
    private static readonly string ClosedStorage = "DefaultEndpointsProtocol=http;AccountName=a;AccountKey=" + Convert.ToBase64String(new byte[64])
        + ";BlobEndpoint=http://127.0.0.1:9/a;QueueEndpoint=http://127.0.0.1:9/a;TableEndpoint=http://127.0.0.1:9/a;";

    [AzuriteFact]
    public async Task Worker_host_built_from_configuration_runs_a_sweep_to_the_end_and_stops_itself_in_job_mode()
    {
        await using var env = await TestPlatform.CreateAsync();
        var submitted = await Http.ExecuteAsync(await new SubmitSweep(env.Platform.Coordinator).RunAsync(Http.Request("POST", Specs.Small), default));
        var id = submitted.Json.GetProperty("sweepId").GetString()!;
        var host = WorkerHost(new()
        {
            ["Stitching:Storage:ConnectionString"] = Azurite.ConnectionString,
            ["Stitching:Storage:NamePrefix"] = env.NamePrefix,
            ["Stitching:Queue:Backend"] = "storage",
            ["Stitching:Queue:RetryDelay"] = "00:00:00.3",
            ["Stitching:Worker:CheckpointDirectory"] = Path.Combine(Path.GetTempPath(), "stitching-tests", Guid.NewGuid().ToString("N")),
            ["Stitching:Worker:MaxJobs"] = "6",
        });
        var worker = host.Services.GetRequiredService<WorkerService>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await host.RunAsync(timeout.Token); // disposes the host once stopped

        Assert.False(timeout.IsCancellationRequested, "the host did not stop itself after 6 messages");
        var run = worker.Run;
        Assert.Equal(new WorkerRun(6, 0, false), run);
        Assert.Equal(0, run!.ExitCode);
        Assert.True((await env.Platform.Queries.GetStatusAsync(id))!.Finished);
    }

    [AzuriteFact]
    public async Task A_job_mode_worker_takes_no_new_job_once_less_than_one_job_budget_is_left_of_the_replica_timeout()
    {
        // Given six queued jobs and a worker whose replica timeout leaves 10 ms in which to take jobs (half is the job budget)
        await using var env = await TestPlatform.CreateAsync();
        await env.SubmitAsync(Specs.Small);
        var host = WorkerHost(new()
        {
            ["Stitching:Storage:ConnectionString"] = Azurite.ConnectionString,
            ["Stitching:Storage:NamePrefix"] = env.NamePrefix,
            ["Stitching:Queue:Backend"] = "storage",
            ["Stitching:Worker:CheckpointDirectory"] = Path.Combine(Path.GetTempPath(), "stitching-tests", Guid.NewGuid().ToString("N")),
            ["Stitching:Worker:MaxJobs"] = "6",
            ["Stitching:Limits:ReplicaTimeoutSeconds"] = "0.02",
        });
        var worker = host.Services.GetRequiredService<WorkerService>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        // When it runs
        await host.RunAsync(timeout.Token);

        // Then it took its first job (an execution always takes one) and then exited instead of taking a second
        Assert.False(timeout.IsCancellationRequested, "the host did not stop itself");
        Assert.Equal(new WorkerRun(1, 0, false), worker.Run);
    }

    [Theory]
    [InlineData("Stitching:Worker:ReceiveWait", "00:00:00", "Stitching:Worker:ReceiveWait must be a positive time span")]
    [InlineData("Stitching:Worker:MaxJobs", "0", "Stitching:Worker:MaxJobs must be at least 1")]
    [InlineData("Stitching:Queue:Backend", "kafka", "Stitching:Queue:Backend must be 'servicebus' or 'storage'")]
    [InlineData("Stitching:Storage:ConnectionString", "", "Set Stitching:Storage:TableServiceUri")]
    [InlineData("Stitching:Storage:TableServiceUri", "http://127.0.0.1:9/a", "Stitching:Storage:TableServiceUri is http://127.0.0.1:9/a with no SAS token")]
    public async Task A_bad_setting_stops_the_host_at_start_with_a_message_naming_it_before_storage_is_touched(string key, string value, string message)
    {
        // Given storage that would hang if touched, and one bad setting (a service URI only counts without a connection string)
        var settings = new Dictionary<string, string?> { ["Stitching:Storage:ConnectionString"] = key.EndsWith("ServiceUri", StringComparison.Ordinal) ? "" : ClosedStorage, [key] = value };
        using var host = WorkerHost(settings);

        // When the host starts

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        // Then it refuses, naming the setting
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task The_api_host_with_a_missing_endpoint_refuses_to_start_naming_it()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Stitching:Storage:TableServiceUri"] = "https://a.table.core.windows.net" });
        builder.Services.AddStitching(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Set Stitching:Storage:BlobServiceUri", error.Message);
    }

    [Fact]
    public async Task The_platform_registration_builds_one_shared_client_per_service()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stitching:Storage:ConnectionString"] = ClosedStorage,
            ["Stitching:Queue:Backend"] = "servicebus",
            ["Stitching:Queue:ConnectionString"] = "Endpoint=sb://127.0.0.1:9;SharedAccessKeyName=a;SharedAccessKey=b;UseDevelopmentEmulator=true",
        }).Build();
        await using var services = new ServiceCollection().AddStitchingPlatform(configuration).BuildServiceProvider();

        var platform = services.GetRequiredService<StitchingPlatform>();

        Assert.Same(services.GetRequiredService<TableServiceClient>(), services.GetRequiredService<TableServiceClient>());
        Assert.Same(services.GetRequiredService<BlobServiceClient>(), services.GetRequiredService<BlobServiceClient>());
        Assert.Same(services.GetRequiredService<QueueServiceClient>(), services.GetRequiredService<QueueServiceClient>());
        Assert.Same(services.GetRequiredService<ServiceBusClient>(), services.GetRequiredService<ServiceBusClient>());
        Assert.Same(platform, services.GetRequiredService<StitchingPlatform>());
        Assert.Same(platform.Storage, services.GetRequiredService<Stitching.Platform.Storage.StitchingStorage>());
        Assert.Same(platform.Queue, services.GetRequiredService<IJobQueue>());
        Assert.IsType<ServiceBusJobQueue>(platform.Queue);
        Assert.Same(platform.Coordinator, services.GetRequiredService<Stitching.Platform.Coordination.SweepCoordinator>());
        // with the platform's retries (StorageClients.WithRetry) as every client's defaults
        var tableOptions = services.GetRequiredService<IOptionsMonitor<TableClientOptions>>().Get("Default");
        Assert.Equal((6, TimeSpan.FromSeconds(30)), (tableOptions.Retry.MaxRetries, tableOptions.Retry.NetworkTimeout));
        Assert.Equal(services.GetRequiredService<BlobServiceClient>().Uri, new BlobUriBuilder(platform.Checkpoints.Container.Uri) { BlobContainerName = "" }.ToUri());
    }

    private static IHost WorkerHost(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddStitchingWorker(builder.Configuration);
        builder.Services.AddSingleton<IJobExecutor>(new FakeExecutor());
        return builder.Build();
    }
}
