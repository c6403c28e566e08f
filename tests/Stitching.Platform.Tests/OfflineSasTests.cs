using Azure;
using Azure.Data.Tables;
using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Platform;
using Stitching.Platform.Coordination;
using Stitching.Platform.Queues;
using Stitching.Platform.Security;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Tests;

/// <summary>
/// Least privilege offline, against real Azurite (which enforces SAS permissions): each component configured only with
/// its own SAS environment (<see cref="OfflineSas.EnvironmentFor"/>) can do what its code does, and is refused (403)
/// what the role table does not give it, including with another component's SAS.
/// </summary>
[Collection(RunnerProcesses.Name)]
public sealed class OfflineSasTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static IReadOnlyDictionary<string, string> Sas(PlatformComponent component) =>
        OfflineSas.EnvironmentFor(component, Azurite.ConnectionString, QueueBackend.Storage, Hour);

    /// <summary>A platform built only from a component's SAS environment, on the test platform's names.</summary>
    private static StitchingPlatform PlatformAs(TestPlatform env, PlatformComponent component) =>
        StitchingPlatform.Create(StorageAs(env.NamePrefix, component), env.QueueOptions);

    private static StitchingStorageOptions StorageAs(string prefix, PlatformComponent component)
    {
        var sas = Sas(component);
        Assert.Equal("", sas[OfflineSas.ConnectionStringKey]);
        return new StitchingStorageOptions
        {
            NamePrefix = prefix,
            BlobServiceUri = sas.TryGetValue(OfflineSas.BlobServiceUriKey, out var b) ? new Uri(b) : null,
            TableServiceUri = sas.TryGetValue(OfflineSas.TableServiceUriKey, out var t) ? new Uri(t) : null,
            QueueServiceUri = sas.TryGetValue(OfflineSas.QueueServiceUriKey, out var q) ? new Uri(q) : null,
        };
    }

    private static async Task Refused(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<RequestFailedException>(call);
        Assert.Equal(403, e.Status);
    }

    [AzuriteFact]
    public void Each_component_gets_a_sas_per_service_it_uses_and_no_connection_string()
    {
        foreach (var component in new[] { PlatformComponent.Api, PlatformComponent.Runner, PlatformComponent.Timer, PlatformComponent.DatasetUploader })
        {
            var sas = Sas(component);
            Assert.Equal("", sas[OfflineSas.ConnectionStringKey]);
            foreach (var key in new[] { OfflineSas.BlobServiceUriKey, OfflineSas.TableServiceUriKey, OfflineSas.QueueServiceUriKey })
                if (sas.TryGetValue(key, out var uri)) Assert.True(StorageClients.HasSas(new Uri(uri)), $"{component} {key}: {uri}");
        }
        Assert.False(Sas(PlatformComponent.Timer).ContainsKey(OfflineSas.BlobServiceUriKey)); // the timer never touches a blob
        Assert.Equal([OfflineSas.BlobServiceUriKey, OfflineSas.ConnectionStringKey], Sas(PlatformComponent.DatasetUploader).Keys);
        Assert.False(OfflineSas.EnvironmentFor(PlatformComponent.Runner, Azurite.ConnectionString, QueueBackend.ServiceBus, Hour).ContainsKey(OfflineSas.QueueServiceUriKey));
    }

    [Fact]
    public void A_plain_http_service_uri_without_a_sas_says_what_is_missing()
    {
        var e = Assert.Throws<StorageConfigurationException>(() => StorageClients.Tables(new StitchingStorageOptions { TableServiceUri = new Uri("http://127.0.0.1:10002/devstoreaccount1") }));
        Assert.Contains("no SAS token", e.Message);
        Assert.Contains("sas --component", e.Message);
        Assert.Throws<ArgumentException>(() => OfflineSas.EnvironmentFor(PlatformComponent.Api, "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;SharedAccessSignature=sv=2020&sig=x", QueueBackend.Storage, Hour));
    }

    [AzuriteFact]
    public async Task The_api_with_its_sas_creates_its_resources_submits_and_reads_but_cannot_receive_or_touch_blobs()
    {
        await using var env = await TestPlatform.CreateAsync();
        var api = PlatformAs(env, PlatformComponent.Api);

        // Can: create what exists already (PlatformInitializer), submit (sweep and job rows, queue messages), read status and results
        await api.CreateIfNotExistsAsync();
        var submitted = await api.Coordinator.SubmitAsync(System.Text.Json.JsonSerializer.Deserialize(Specs.Small, SweepSpecJson.TypeInfo)!);
        var id = submitted.Sweep!.Id;
        Assert.True((await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0);
        Assert.NotNull(await api.Queries.GetStatusAsync(id));
        await api.Storage.ListResultsAsync(id).ToListAsync();
        await api.Coordinator.Control.CancelAsync(id);

        // Cannot: receive a job (the runner's right), write or read a checkpoint blob, delete a table, container or queue
        var queue = (StorageJobQueue)api.Queue;
        await Refused(() => queue.Queue.ReceiveMessageAsync());
        await Refused(() => queue.Poison.ReceiveMessagesAsync());
        await Refused(() => api.Checkpoints.Container.GetBlobClient("x.bin").UploadAsync(BinaryData.FromString("x")));
        await Refused(() => api.Checkpoints.Container.GetBlobClient("x.bin").DownloadContentAsync());
        await Refused(() => api.Storage.Results.DeleteAsync());
        await Refused(() => api.Checkpoints.Container.DeleteAsync());
        await Refused(() => queue.Queue.DeleteAsync());
        await Refused(() => api.Storage.Jobs.DeleteEntityAsync(id, "any"));
    }

    [AzuriteFact]
    public async Task The_runner_with_its_sas_receives_completes_writes_results_and_checkpoints_but_cannot_delete_resources()
    {
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        var runner = PlatformAs(env, PlatformComponent.Runner);
        var queue = (StorageJobQueue)runner.Queue;

        // Can: create what exists already (WorkerService at start), receive, renew and complete a job, send (unlocked stitch jobs), dead-letter
        await runner.CreateIfNotExistsAsync();
        var lease = await runner.Queue.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(lease);
        await lease.RenewLockAsync();
        await lease.CompleteAsync();
        await queue.Poison.SendMessageAsync("dead");
        // claim a job row, write a result row and a model row, read the sweep
        var job = (await runner.Storage.ListJobsAsync(id).ToListAsync())[0];
        await runner.Storage.UpdateJobAsync(id, job.JobId, j => j with { State = JobState.Running, ClaimedBy = "sas" });
        Assert.NotNull(await runner.Storage.GetSweepAsync(id));
        await runner.Storage.Results.UpsertEntityAsync(new TableEntity(id, "row") { ["Accuracy"] = 0.5 });
        await runner.Storage.Models.UpsertEntityAsync(new TableEntity(StitchingStorage.ModelPartition, "m") { ["Accuracy"] = 0.5 });
        // write, overwrite and read a checkpoint; list the datasets container (what FetchAsync does)
        var blob = runner.Checkpoints.Container.GetBlobClient("m/model.bin");
        await blob.UploadAsync(BinaryData.FromString("one"));
        await blob.UploadAsync(BinaryData.FromString("two"), overwrite: true);
        Assert.Equal("two", (await blob.DownloadContentAsync()).Value.Content.ToString());
        await runner.Datasets.ListAsync();

        // Cannot: delete a table, an entity, a blob, a container or a queue (account SAS: its blob rights cover every container,
        // as the account-scoped role does in Azure)
        await Refused(() => runner.Storage.Jobs.DeleteAsync());
        await Refused(() => runner.Storage.Results.DeleteEntityAsync(id, "row"));
        await Refused(() => blob.DeleteAsync());
        await Refused(() => runner.Checkpoints.Container.DeleteAsync());
        await Refused(() => queue.Poison.DeleteAsync());
    }

    [AzuriteFact]
    public async Task The_runner_on_an_empty_account_creates_its_tables_container_and_queues_and_the_timer_cannot()
    {
        var prefix = "s" + Guid.NewGuid().ToString("N")[..12];
        var queue = new JobQueueOptions { Backend = "storage" };
        var (timerTables, timerQueue, _) = TimerAs(prefix, queue);
        await Refused(() => timerTables.CreateIfNotExistsAsync());
        await Refused(() => timerQueue.CreateIfNotExistsAsync());

        var runner = StitchingPlatform.Create(StorageAs(prefix, PlatformComponent.Runner), queue);
        try
        {
            await runner.CreateIfNotExistsAsync();
            await runner.CreateIfNotExistsAsync(); // again: everything exists
            Assert.False((await runner.Checkpoints.Container.GetBlobClient("none").ExistsAsync()).Value);
            Assert.Null((await runner.Queue.ReceiveAsync(TimeSpan.FromMilliseconds(100))));
        }
        finally
        {
            await StitchingPlatform.Create(new StitchingStorageOptions { ConnectionString = Azurite.ConnectionString, NamePrefix = prefix }, queue).DeleteAsync();
        }
    }

    /// <summary>What the local host's recovery loop builds for the timer (<see cref="StitchingPlatform.CreateCoordinator"/>): tables and queue, no blobs.</summary>
    private static (StitchingStorage Tables, StorageJobQueue Queue, SweepCoordinator Coordinator) TimerAs(string prefix, JobQueueOptions queue)
    {
        var o = StorageAs(prefix, PlatformComponent.Timer);
        Assert.Null(o.BlobServiceUri);
        var tables = new StitchingStorage(StorageClients.Tables(o), prefix);
        var jobs = (StorageJobQueue)JobQueues.Create(queue, o);
        return (tables, jobs, StitchingPlatform.CreateCoordinator(o, queue));
    }

    [AzuriteFact]
    public async Task The_timer_with_its_sas_records_dead_letters_and_requeues_but_cannot_create_or_delete()
    {
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        var dead = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync())[0];
        await env.Queue.Poison.SendMessageAsync(JobMessageParser.Serialize(dead.Message));
        var (tables, queue, coordinator) = TimerAs(env.NamePrefix, env.QueueOptions);

        var report = await coordinator.Recovery.RecoverAsync();
        Assert.Equal(1, report.DeadLettersRecorded);
        Assert.Empty((await env.Queue.Poison.PeekMessagesAsync()).Value);
        Assert.Equal(JobState.Failed, (await tables.GetJobAsync(id, dead.JobId))!.State);
        await queue.SendBatchAsync([dead.Message]);

        await Refused(() => tables.Sweeps.CreateAsync());
        await Refused(() => tables.Sweeps.DeleteEntityAsync(StitchingStorage.SweepPartition, id));
        await Refused(() => queue.Poison.DeleteAsync());
        await Refused(() => queue.Queue.CreateAsync());
    }

    [AzuriteFact]
    public async Task The_uploader_with_its_sas_uploads_a_dataset_and_no_other_component_can()
    {
        await using var env = await TestPlatform.CreateAsync();
        var folder = Directory.CreateTempSubdirectory("sas-dataset").FullName;
        try
        {
            foreach (var f in DatasetFiles.Of("fashion-mnist")) await File.WriteAllTextAsync(Path.Combine(folder, f), f);
            var uploader = DatasetStore.Create(StorageAs(env.NamePrefix, PlatformComponent.DatasetUploader));
            Assert.All(await uploader.UploadAsync("fashion-mnist", folder), t => Assert.True(t.Transferred));
            Assert.All(await uploader.UploadAsync("fashion-mnist", folder), t => Assert.False(t.Transferred)); // listed and skipped
            await Refused(() => uploader.Container.GetBlobClient(DatasetStore.BlobName("fashion-mnist", DatasetFiles.Of("fashion-mnist")[0])).DeleteAsync());
            await Refused(() => DatasetStore.Create(StorageAs(env.NamePrefix, PlatformComponent.Api)).UploadAsync("fashion-mnist", folder, force: true));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [AzuriteFact]
    public async Task Job_mode_runners_with_only_the_runner_sas_finish_a_sweep_whose_dataset_the_uploader_put_in_blob()
    {
        await using var env = await TestPlatform.CreateAsync();
        var (upload, uploadOutput) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60),
            ["datasets", "upload", "--dataset", "fashion-mnist", "--data-dir", Requirement.FashionMnist()], new(Sas(PlatformComponent.DatasetUploader)));
        Assert.True(upload == 0, uploadOutput);
        var id = await env.SubmitAsync(WorkerProcessTests.Tiny);

        // Each execution: a fresh `worker --max-jobs 1` with an empty checkpoint folder and only the runner's SAS
        // The runner's environment as scripts/offline.sh gets it: from the `sas` command
        var (code, printed) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["sas", "--component", "runner", "--hours", "1"]);
        Assert.True(code == 0, printed);
        var environment = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1]);
        Assert.Equal(Sas(PlatformComponent.Runner).Keys.Order(), environment.Keys.Order());
        environment["Stitching__Worker__ReceiveWait"] = "00:00:02";
        var outputs = new List<string>();
        for (var i = 0; i < 6 && !(await env.Platform.Queries.GetStatusAsync(id))!.Finished; i++)
        {
            using var runner = GpuRunnerProcess.Start(env, $"sas-{i}", "cpu", environment, "--max-jobs", "1");
            var (exit, output) = await runner.WaitForExitAsync(TimeSpan.FromSeconds(120));
            outputs.Add(output);
            Assert.True(exit == 0, output);
        }

        var status = await env.Platform.Queries.GetStatusAsync(id);
        Assert.True(status!.Finished && status.Failed == 0, string.Join("\n----\n", outputs));
        Assert.NotEmpty(await env.Platform.Storage.ListResultsAsync(id).ToListAsync());
    }
}
