using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Platform.Processing;

namespace Stitching.Platform.Tests;

/// <summary>
/// Offline job mode, as in Azure: no long-lived runner; the real <c>scale</c> command starts one
/// <c>worker --max-jobs N</c> process per waiting message (at most 2 at a time), each in a fresh folder with no data,
/// and a whole tiny 4-variant sweep finishes through it with one row per stitch; with a short replica timeout, a model
/// job stopped at it is resumed by the next execution.
/// </summary>
[Collection(RunnerProcesses.Name)]
public sealed class JobScalerTests
{
    private const string FourVariants = """
        {
          "name": "job mode",
          "senders": ["resnet(1,1,1,1)"],
          "receivers": ["resnet(1,1,1,1)"],
          "width": 4,
          "trainLimit": 300,
          "testLimit": 100,
          "variants": ["all"],
          "senderLayers": ["stem", "2.0"],
          "receiverLayers": ["1.0", "4.0"],
          "model": { "epochs": 1 },
          "allowChanceModels": true,
          "stitch": { "epochs": 1 }
        }
        """;

    [AzuriteFact]
    public async Task A_tiny_four_variant_sweep_finishes_through_job_mode_executions_and_none_is_left_afterwards()
    {
        // Given Fashion-MNIST in the datasets container, the scaler running (no runner yet), and a 4-variant sweep submitted
        await using var env = await TestPlatform.CreateAsync();
        await env.UploadFashionMnistAsync();
        using var scaler = GpuRunnerProcess.Start(env, ["scale", "--jobs", "2", "--poll", "1", "--runner-args=--threads 1"],
            new Dictionary<string, string> { ["Stitching__Worker__ReceiveWait"] = "00:00:03" });
        var id = await env.SubmitAsync(FourVariants);

        // When the scaler has run executions until the sweep finished
        var deadline = DateTime.UtcNow.AddMinutes(8);
        SweepStatus? status = null;
        while (DateTime.UtcNow < deadline)
        {
            status = await env.Platform.Queries.GetStatusAsync(id);
            if (status!.Finished || scaler.HasExited) break;
            await Task.Delay(1000);
        }

        // Then every job is done, each planned stitch has exactly one row, and the work ran in several executions
        Assert.True(status is { Finished: true, Failed: 0 }, $"sweep not finished: {status}\n{scaler.Output}");
        var jobs = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
        Assert.All(jobs, j => Assert.Equal(JobState.Done, j.State));
        var planned = jobs.Where(j => j.Kind == JobKind.Stitch).SelectMany(j => j.Message.Stitches!.Tasks()).Select(JobIds.ForStitch).Order().ToList();
        Assert.Equal(16, planned.Count); // 4 variants x 2 sender layers x 2 receiver layers
        var rows = await env.Platform.Storage.ListResultsAsync(id).ToListAsync();
        Assert.Equal(planned, rows.Select(r => r.StitchId).Order());
        Assert.Equal(4, rows.Select(r => r.Result.Variant).Distinct().Count());
        // Each execution takes up to RunnerJob.DefaultMaxJobs messages: fewer executions (cold starts) than jobs
        var started = scaler.Output.Split('\n').Count(l => l.Contains("Started execution"));
        Assert.True(started >= 1 && started < jobs.Count, $"{started} executions for {jobs.Count} jobs:\n{scaler.Output}");

        // And with the queue empty, every execution exits by itself within a minute (nothing idles on a GPU)
        var idle = DateTime.UtcNow.AddMinutes(1);
        while (scaler.Children().Count > 0 && DateTime.UtcNow < idle) await Task.Delay(500);
        Assert.True(scaler.Children().Count == 0, $"executions still running a minute after the last job: {string.Join(", ", scaler.Children())}\n{scaler.Output}");
        Assert.False(scaler.HasExited, scaler.Output);
        scaler.Terminate();
        var (exit, _) = await scaler.WaitForExitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, exit);
    }
    [AzuriteFact]
    public async Task An_execution_stopped_at_a_short_replica_timeout_hands_its_model_job_to_the_next_which_resumes_from_its_epoch()
    {
        // Given the scaler with a 25 s replica timeout (its executions inherit it: each takes jobs only in its first half), progress saved at
        // every epoch, and a sweep whose one model trains for longer than an execution lives
        await using var env = await TestPlatform.CreateAsync(lockDuration: TimeSpan.FromSeconds(10));
        await env.UploadFashionMnistAsync();
        using var scaler = GpuRunnerProcess.Start(env, ["scale", "--jobs", "1", "--poll", "1", "--runner-args=--threads 1"], new Dictionary<string, string>
        {
            ["Stitching__Worker__ReceiveWait"] = "00:00:03",
            ["Stitching__Worker__ProgressInterval"] = "00:00:00",
            ["Stitching__Limits__ReplicaTimeoutSeconds"] = "25",
        });
        var id = await env.SubmitAsync(LongModel);

        // When the scaler has run executions until the sweep finished
        var deadline = DateTime.UtcNow.AddMinutes(6);
        while (DateTime.UtcNow < deadline && !(await env.Platform.Queries.GetStatusAsync(id))!.Finished && !scaler.HasExited) await Task.Delay(1000);

        // Then the first execution was stopped at the replica timeout, a later one resumed the model after a saved epoch, and the
        // sweep is done: stops after uploaded progress hand back fresh copies, so however many it takes, none dead-letters
        var status = await env.Platform.Queries.GetStatusAsync(id);
        Assert.True(status is { Finished: true, Failed: 0 }, $"sweep not finished: {status}\n{scaler.Output}");
        Assert.Contains("reached its replica timeout (00:00:25); SIGTERM", scaler.Output);
        Assert.Contains("from uploaded progress", scaler.Output);
        Assert.Matches(@"Resumed from \S+ after epoch [1-9]", scaler.Output);
        Assert.Contains("message handed back as a fresh copy (progress was uploaded)", scaler.Output);
        var model = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).Single(j => j.Kind == JobKind.Model);
        Assert.True(model.Attempts >= 2, $"attempts {model.Attempts}");
        scaler.Terminate();
        await scaler.WaitForExitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>One model (a self-stitch of one seed) whose training outlives a 25 s execution here, and one stitch.</summary>
    private const string LongModel = """
        {
          "name": "replica timeout",
          "senders": ["resnet(1,1,1,1)"],
          "receivers": ["resnet(1,1,1,1)"],
          "senderSeeds": [0],
          "receiverSeeds": [0],
          "width": 4,
          "trainLimit": 1000,
          "testLimit": 100,
          "variants": ["trained->trained"],
          "senderLayers": ["1.0"],
          "receiverLayers": ["2.0"],
          "model": { "epochs": 60 },
          "allowChanceModels": true,
          "stitch": { "epochs": 1 }
        }
        """;
}
