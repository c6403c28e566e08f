using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Platform.Processing;
using Stitching.Reporting.Rendering;

namespace Stitching.Platform.Tests;

/// <summary>The real worker command and engine on a tiny sweep: Azurite, a child process, 300 images, width 4, one epoch.</summary>
[Collection(RunnerProcesses.Name)]
public sealed class WorkerProcessTests
{
    /// <summary>2 models and 4 stitches in 2 jobs; also what <see cref="OfflineSasTests"/> runs with the runner SAS. One-epoch models: allowed at chance.</summary>
    internal const string Tiny = """
        {
          "name": "worker process",
          "senders": ["resnet(1,1,1,1)"],
          "receivers": ["resnet(1,1,1,1)"],
          "width": 4,
          "trainLimit": 300,
          "testLimit": 100,
          "variants": ["trained->trained"],
          "senderLayers": ["stem", "1.0"],
          "receiverLayers": ["2.0", "3.0"],
          "model": { "epochs": 1 },
          "allowChanceModels": true,
          "stitch": { "epochs": 1 },
          "stitchesPerJob": 2
        }
        """;

    [AzuriteFact]
    public async Task Worker_command_trains_a_tiny_sweep_and_duplicate_or_redelivered_messages_leave_one_row_each()
    {
        // Given Fashion-MNIST uploaded, and a submitted sweep of 2 models and 4 stitches in 2 jobs (one per receiver layer)
        await using var env = await TestPlatform.CreateAsync();
        await env.UploadFashionMnistAsync();
        var id = await env.SubmitAsync(Tiny);

        // When the real worker processes its 4 jobs and exits
        var (exit, output) = await GpuRunnerProcess.RunWorkerAsync(env, "proc-1", TimeSpan.FromSeconds(150), "--max-jobs", "4");

        // Then it fetched the dataset once, for its first job, and every planned stitch has one result row and the matrix renders
        Assert.True(exit == 0, output);
        Assert.Single(output.Split('\n'), line => line.Contains("Fetched fashion-mnist from blob container"));
        var status = await env.Platform.Queries.GetStatusAsync(id);
        Assert.True(status!.Finished && status.Done == 4, output);
        var rows = await env.Platform.Storage.ListResultsAsync(id).ToListAsync();
        var stitchJobs = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).Where(j => j.Kind == JobKind.Stitch).ToList();
        Assert.Equal(2, stitchJobs.Count);
        Assert.All(stitchJobs, j => Assert.Equal(2, j.Message.Stitches!.Count));
        var planned = stitchJobs.SelectMany(j => j.Message.Stitches!.Tasks()).Select(JobIds.ForStitch).ToList();
        Assert.Equal(planned.Order(), rows.Select(r => r.StitchId).Order());
        Assert.All(rows, r => Assert.InRange(r.Result.Accuracy, 0, 1));
        var matrix = await env.Platform.Results.MatrixAsync(id, Variant.TrainedToTrained);
        Assert.Equal(4, matrix!.Values.SelectMany(row => row).Count(a => a is not null));
        Png.AssertDrawn(MatrixRenderer.RenderPng(matrix));

        // When a stitch message is duplicated, and another is redelivered after its runner died mid-job (lease expired)
        var duplicate = stitchJobs[0];
        var orphan = stitchJobs[1];
        await env.Platform.Storage.UpdateJobAsync(id, orphan.JobId, j => j with { State = JobState.Running, ClaimedBy = "dead-runner", LeaseUntil = DateTimeOffset.UtcNow.AddSeconds(-1) });
        await env.Platform.Queue.SendBatchAsync([duplicate.Message]);
        await env.Platform.Queue.SendBatchAsync([orphan.Message]);
        // Two messages, two in job mode: each counts whatever its outcome, the duplicate included.
        (exit, output) = await GpuRunnerProcess.RunWorkerAsync(env, "proc-2", TimeSpan.FromSeconds(120), "--max-jobs", "2");
        Assert.True(exit == 0, output);
        Assert.Equal(0, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // Then the orphan ran again and both still have exactly one row
        Assert.Equal(JobState.Done, (await env.Platform.Storage.GetJobAsync(id, orphan.JobId))!.State);
        var after = await env.Platform.Storage.ListResultsAsync(id).ToListAsync();
        Assert.Equal(4, after.Count);
        Assert.Equal(planned.Order(), after.Select(r => r.StitchId).Order());
    }

    [AzuriteFact]
    public async Task Worker_trains_a_sweep_on_an_uploaded_image_folder_with_the_folders_class_count()
    {
        // Given a three-class image folder prepared and uploaded with the commands, and the tiny sweep on it submitted
        await using var env = await TestPlatform.CreateAsync();
        const string dataset = "images-colours";
        var source = SyntheticImages.WriteFolder(Path.Combine(env.CheckpointRoot, "pictures"), classes: 3, perClass: 45); // 108 train, 27 test
        var (_, _, prepared) = await DatasetStoreTests.PrepareAsync(env, source, dataset);
        var (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["datasets", "upload", "--dataset", dataset, "--data-dir", prepared]);
        Assert.True(exit == 0, output);
        var id = await env.SubmitAsync(Tiny.Replace("\"trainLimit\": 300", $"\"dataset\": \"{dataset}\", \"trainLimit\": 108").Replace("\"testLimit\": 100", "\"testLimit\": 27"));

        // When the real worker processes its 4 jobs
        (exit, output) = await GpuRunnerProcess.RunWorkerAsync(env, "proc-1", TimeSpan.FromSeconds(150), "--max-jobs", "4");

        // Then it fetched the prepared files, every job is done, and each model row carries the folder's three classes,
        // which the sweep status judges chance by
        Assert.True(exit == 0, output);
        Assert.Single(output.Split('\n'), line => line.Contains($"Fetched {dataset} from blob container"));
        var status = await env.Platform.Queries.GetStatusAsync(id);
        Assert.True(status!.Finished && status.Done == 4, output);
        var models = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).Select(j => j.Message.Model).OfType<ModelSpec>().ToList();
        Assert.Equal(2, models.Count);
        foreach (var model in models)
        {
            var result = await env.Platform.Storage.GetModelAsync(model.Key);
            Assert.Equal((dataset, 3), (result!.Dataset, result.Classes));
        }
        Assert.Equal(4, (await env.Platform.Storage.ListResultsAsync(id).ToListAsync()).Count);
    }

    [AzuriteFact]
    public async Task A_sweep_on_a_dataset_never_uploaded_fails_at_the_first_delivery_with_a_reason_naming_the_upload_command()
    {
        // Given a sweep on Fashion-MNIST, which is on this machine's disk but was never uploaded to the datasets container
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync(Tiny);

        // When the real worker (JobProcessor and engine) takes its two model jobs
        var (_, output) = await GpuRunnerProcess.RunWorkerAsync(env, "proc-1", TimeSpan.FromSeconds(120), "--max-jobs", "2");

        // Then each failed on its first delivery, dead-lettered with the dataset and the command that uploads it
        var jobs = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
        var models = jobs.Where(j => j.Kind == JobKind.Model).ToList();
        Assert.Equal(2, models.Count);
        Assert.All(models, j =>
        {
            Assert.Equal(JobState.Failed, j.State);
            Assert.Equal(1, j.Attempts);
            Assert.Contains("Dataset fashion-mnist is not in blob storage", j.Error);
            Assert.Contains("`Stitching.GpuRunner datasets upload --dataset fashion-mnist`", j.Error);
        });
        Assert.Equal(2, (await env.Queue.Poison.PeekMessagesAsync(10)).Value.Length);
        Assert.Empty((await env.Queue.Queue.PeekMessagesAsync(10)).Value); // nothing left to retry
        // and the sweep is finished: its stitches failed with their models
        var status = await env.Platform.Queries.GetStatusAsync(id);
        Assert.True(status!.Finished && status.Failed == jobs.Count, output);
        Assert.All(status.Failures, f => Assert.Contains("datasets upload --dataset fashion-mnist", f.Error));
    }
}
