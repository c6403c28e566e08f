using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Functions;
using Stitching.Functions.Local;
using Stitching.Platform;
using Stitching.Execution;
using Stitching.Platform.Processing;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Tests;

/// <summary>
/// A platform on Azurite with its own name prefix (tables, container, queues), removed afterwards, so tests
/// run in parallel on one account without seeing each other.
/// </summary>
public sealed class TestPlatform : IAsyncDisposable
{
    private readonly string _checkpoints = Path.Combine(Path.GetTempPath(), "stitching-tests", Guid.NewGuid().ToString("N"));

    private TestPlatform(StitchingStorageOptions storage, JobQueueOptions queue)
    {
        StorageOptions = storage;
        QueueOptions = queue;
        Platform = StitchingPlatform.Create(storage, queue);
        NamePrefix = storage.NamePrefix;
    }

    /// <summary>What the platform was built from: another process's platform (a second API, the timer) is built from the same.</summary>
    public StitchingStorageOptions StorageOptions { get; }
    public JobQueueOptions QueueOptions { get; }

    /// <summary>Prefix of this platform's tables, container and queues; a worker process gets it as <c>Stitching__Storage__NamePrefix</c>.</summary>
    public string NamePrefix { get; }
    public string CheckpointRoot => _checkpoints;

    public StitchingPlatform Platform { get; }
    public StorageJobQueue Queue => (StorageJobQueue)Platform.Queue;

    public static async Task<TestPlatform> CreateAsync(int maxDeliveries = 5, TimeSpan? retryDelay = null, TimeSpan? lockDuration = null, int maxDeferrals = 100)
    {
        Requirement.AzuriteRunning();
        var storage = new StitchingStorageOptions { ConnectionString = Azurite.ConnectionString, NamePrefix = "t" + Guid.NewGuid().ToString("N")[..12] };
        var queue = new JobQueueOptions { Backend = "storage", MaxDeliveries = maxDeliveries, LockDuration = lockDuration ?? TimeSpan.FromSeconds(30), RetryDelay = retryDelay ?? TimeSpan.FromMilliseconds(300), MaxDeferrals = maxDeferrals };
        var env = new TestPlatform(storage, queue);
        await env.Platform.CreateIfNotExistsAsync();
        return env;
    }

    public JobProcessor Processor(IJobExecutor executor, string worker = "w1") => Platform.CreateProcessor(executor, new JobProcessorOptions
    {
        WorkerId = worker,
        CheckpointDirectory = Path.Combine(_checkpoints, worker),
        MaxDeliveries = Platform.Processor.MaxDeliveries,
        LockDuration = Platform.Processor.LockDuration,
        RetryDelay = Platform.Processor.RetryDelay,
        MaxDeferrals = Platform.Processor.MaxDeferrals,
    });

    /// <summary>
    /// Uploads Fashion-MNIST into this platform's <c>datasets</c> container with the real <c>datasets upload</c> command, as a
    /// user does once before running sweeps: runners have no data of their own. Needed before any real (engine) job.
    /// Skipped locally, failed under CI, where the files are missing (<see cref="Requirement.FashionMnist"/>).
    /// </summary>
    public async Task<string> UploadFashionMnistAsync()
    {
        var (exit, output) = await GpuRunnerProcess.RunAsync(this, TimeSpan.FromSeconds(60), ["datasets", "upload", "--dataset", "fashion-mnist", "--data-dir", Requirement.FashionMnist()]);
        Assert.True(exit == 0, $"datasets upload failed ({exit}):\n{output}");
        return output;
    }

    /// <summary>Submits through the API function, as a client would; returns the sweep id.</summary>
    public async Task<string> SubmitAsync(string spec = Specs.Small)
    {
        var response = await Http.ExecuteAsync(await new Stitching.Functions.Sweeps.SubmitSweep(Platform.Coordinator).RunAsync(Http.Request("POST", spec), default));
        Assert.True(response.Status == 202, response.Body);
        return response.Json.GetProperty("sweepId").GetString()!;
    }

    /// <summary>Processes until the queue stays empty for a moment; returns every outcome.</summary>
    public static async Task<List<JobOutcome>> DrainAsync(JobProcessor processor, int maxMessages = 500)
    {
        var outcomes = new List<JobOutcome>();
        while (outcomes.Count < maxMessages && await processor.ProcessNextAsync(TimeSpan.FromSeconds(1.5)) is { } outcome) outcomes.Add(outcome);
        return outcomes;
    }

    /// <summary>The <c>serve</c> host's routes and wiring on a free loopback port, against the test platform's tables.</summary>
    public static async Task<WebApplication> StartApiAsync(TestPlatform env)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stitching:Storage:ConnectionString"] = Azurite.ConnectionString,
            ["Stitching:Storage:NamePrefix"] = env.NamePrefix,
            ["Stitching:Queue:Backend"] = "storage",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddStitching(builder.Configuration);
        var app = builder.Build();
        LocalApi.Map(app);
        await app.StartAsync();
        return app;
    }

    public async ValueTask DisposeAsync()
    {
        await Platform.DeleteAsync();
        if (Directory.Exists(_checkpoints)) Directory.Delete(_checkpoints, recursive: true);
    }
}
