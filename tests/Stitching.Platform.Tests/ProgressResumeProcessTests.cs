using System.Text.Json.Nodes;
using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Platform.Processing;

namespace Stitching.Platform.Tests;

/// <summary>
/// The real worker and engine killed mid-group: the stitch group's progress, uploaded at epoch ends, lets the
/// redelivered job resume on another runner and end with the results of an uninterrupted run of the same seeds.
/// </summary>
[Collection(RunnerProcesses.Name)]
public sealed class ProgressResumeProcessTests
{
    /// <summary>
    /// <see cref="WorkerProcessTests.Tiny"/> with one receiver layer (one job of two stitches), no early stopping and
    /// enough epochs that the kill lands mid-group.
    /// </summary>
    private static readonly string Spec = Resumable();

    private static string Resumable()
    {
        var spec = JsonNode.Parse(WorkerProcessTests.Tiny)!.AsObject();
        spec["name"] = "progress resume";
        spec["receiverLayers"] = new JsonArray("2.0");
        spec["stitch"] = new JsonObject { ["epochs"] = 100, ["patience"] = 0 };
        return spec.ToJsonString();
    }

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(240);

    // Save and upload at every epoch: a test cannot wait for the 30 s default.
    internal static readonly Dictionary<string, string> EveryEpoch = new() { ["Stitching__Worker__ProgressInterval"] = "00:00:00" };

    [AzuriteFact]
    public async Task A_runner_killed_mid_group_has_the_job_resumed_from_its_uploaded_progress_with_the_uninterrupted_results()
    {
        // Given Fashion-MNIST uploaded, short locks, and a sweep whose stitch job a real runner is training
        await using var env = await TestPlatform.CreateAsync(lockDuration: TimeSpan.FromSeconds(3));
        await env.UploadFashionMnistAsync();
        var interrupted = await env.SubmitAsync(Spec);
        using (var killed = GpuRunnerProcess.Start(env, "killed", "cpu", EveryEpoch))
        {
            // When it is killed once its first progress upload is in blob storage
            await WaitUntilAsync(() => ProgressUploadedAsync(env, interrupted), () => killed.Output);
            Assert.False(await SweepFinishedAsync(env, interrupted), "the group finished before the kill:\n" + killed.Output);
            killed.KillHard();
        }

        // And the redelivered job is taken by a new runner, which finishes the sweep
        using (var resumer = GpuRunnerProcess.Start(env, "resumer", "cpu", EveryEpoch))
        {
            await WaitUntilAsync(() => SweepFinishedAsync(env, interrupted), () => resumer.Output);
            // Then the new runner fetched the progress and the engine resumed after a saved epoch
            Assert.Contains("from uploaded progress", resumer.Output);
            Assert.Contains("Resumed from", resumer.Output);
        }
        var job = (await env.Platform.Storage.ListJobsAsync(interrupted).ToListAsync()).Single(j => j.Kind == JobKind.Stitch);
        Assert.True(job.Attempts >= 2, $"attempts {job.Attempts}");
        Assert.True(await ProgressUploadedAsync(env, interrupted), "the uploaded progress stays: runners have no delete right (PlatformRoles), and a finished layer never reads it again");

        // When the same sweep runs again without interruption (same seeds; the model is reused)
        var uninterrupted = await env.SubmitAsync(Spec);
        using (var runner = GpuRunnerProcess.Start(env, "uninterrupted", "cpu", null))
            await WaitUntilAsync(() => SweepFinishedAsync(env, uninterrupted), () => runner.Output);

        // Then every stitch ended exactly as in the interrupted-and-resumed sweep
        var resumed = (await env.Platform.Storage.ListResultsAsync(interrupted).ToListAsync()).ToDictionary(r => r.StitchId, r => r.Result);
        var reference = (await env.Platform.Storage.ListResultsAsync(uninterrupted).ToListAsync()).ToDictionary(r => r.StitchId, r => r.Result);
        Assert.Equal(2, reference.Count);
        Assert.Equal(reference.Keys.Order(), resumed.Keys.Order());
        foreach (var (id, expected) in reference)
        {
            var actual = resumed[id];
            Assert.Equal(expected.Accuracy, actual.Accuracy);
            Assert.Equal(expected.Loss, actual.Loss);
            Assert.Equal(expected.Epochs, actual.Epochs);
            Assert.Equal(expected.Converged, actual.Converged);
            Assert.Equal(expected.Curve, actual.Curve);
        }
    }

    private static async Task<bool> ProgressUploadedAsync(TestPlatform env, string sweepId)
    {
        await foreach (var _ in env.Platform.Checkpoints.Container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"progress/{sweepId}/", CancellationToken.None)) return true;
        return false;
    }

    /// <summary>Both stitches stored and the sweep finished (a sweep whose model is reused may read finished before its stitch job is sent).</summary>
    private static async Task<bool> SweepFinishedAsync(TestPlatform env, string sweepId) =>
        await env.Platform.Storage.ListResultsAsync(sweepId).CountAsync() == 2 && (await env.Platform.Queries.GetStatusAsync(sweepId))!.Finished;

    /// <summary>Polls <paramref name="condition"/> until it holds, or fails after the deadline with the runner's output.</summary>
    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> output, TimeSpan? deadline = null)
    {
        var limit = deadline ?? Deadline;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit) throw new TimeoutException($"Not reached within {limit}:\n{output()}");
            await Task.Delay(200);
        }
    }
}
