using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Stitching.Domain.Jobs;
using Stitching.Domain.Contracts;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Tests;

/// <summary>
/// The real worker and engine killed mid-training of a base model (as a runner stopped at its replica timeout is): the
/// model's epoch progress, uploaded while it trains, lets the redelivered model job resume on a new runner after the saved
/// epoch, and the model ends as an uninterrupted training of the same seed does. Real TorchSharp at width 4, real Azurite.
/// </summary>
[Collection(RunnerProcesses.Name)]
public sealed partial class ModelResumeProcessTests
{
    private const int Epochs = 80;

    /// <summary>
    /// <see cref="WorkerProcessTests.Tiny"/> reduced to one model (a self-stitch of one seed) trained for enough epochs
    /// that the kill lands mid-training, and one stitch.
    /// </summary>
    private static readonly string Spec = Resumable();

    private static string Resumable()
    {
        var spec = JsonNode.Parse(WorkerProcessTests.Tiny)!.AsObject();
        spec["name"] = "model resume";
        spec["senderSeeds"] = new JsonArray(0);
        spec["receiverSeeds"] = new JsonArray(0);
        spec["senderLayers"] = new JsonArray("1.0");
        spec["receiverLayers"] = new JsonArray("2.0");
        spec["model"] = new JsonObject { ["epochs"] = Epochs };
        return spec.ToJsonString();
    }

    private static readonly Dictionary<string, string> EveryEpoch = ProgressResumeProcessTests.EveryEpoch;

    [AzuriteFact]
    public async Task A_runner_killed_mid_training_has_the_model_job_resumed_from_its_epoch_and_ending_as_an_uninterrupted_one()
    {
        // Given Fashion-MNIST uploaded, short locks, and a sweep whose model job a real runner is training
        await using var env = await TestPlatform.CreateAsync(lockDuration: TimeSpan.FromSeconds(3));
        await env.UploadFashionMnistAsync();
        var sweep = await env.SubmitAsync(Spec);
        var model = (await env.Platform.Storage.ListJobsAsync(sweep).ToListAsync()).Single(j => j.Kind == JobKind.Model).Message.Model!;
        using (var killed = GpuRunnerProcess.Start(env, "killed", "cpu", EveryEpoch))
        {
            // When it is killed once the model's first progress upload is in blob storage
            await WaitUntilAsync(() => ProgressUploadedAsync(env, sweep, model.Key), () => killed.Output);
            Assert.Null(await env.Platform.Storage.GetModelAsync(model.Key));
            killed.KillHard();
        }

        // And the redelivered model job is taken by a new runner, which finishes the sweep
        string resumedOutput;
        using (var resumer = GpuRunnerProcess.Start(env, "resumer", "cpu", EveryEpoch))
        {
            await WaitUntilAsync(async () => (await env.Platform.Queries.GetStatusAsync(sweep))!.Finished, () => resumer.Output);
            resumedOutput = resumer.Output;
        }

        // Then the new runner fetched the progress and the engine resumed after a saved epoch, not from the start
        Assert.Contains($"resuming model {model.Key} from uploaded progress", resumedOutput);
        var after = int.Parse(ResumedAfter().Match(resumedOutput).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(after, 1, Epochs - 1);
        Assert.DoesNotContain($"epoch 1/{Epochs}:", resumedOutput);
        var job = (await env.Platform.Storage.ListJobsAsync(sweep).ToListAsync()).Single(j => j.Kind == JobKind.Model);
        Assert.Equal(JobState.Done, job.State);
        Assert.True(job.Attempts >= 2, $"attempts {job.Attempts}");
        var resumed = (await env.Platform.Storage.GetModelAsync(model.Key))!;

        // When the same model is trained without interruption on a platform of its own (model keys are shared within one)
        await using var reference = await TestPlatform.CreateAsync(lockDuration: TimeSpan.FromSeconds(3));
        await reference.UploadFashionMnistAsync();
        var uninterrupted = await reference.SubmitAsync(Spec);
        using (var runner = GpuRunnerProcess.Start(reference, "uninterrupted", "cpu", null))
            await WaitUntilAsync(async () => (await reference.Platform.Queries.GetStatusAsync(uninterrupted))!.Finished, () => runner.Output);
        var expected = (await reference.Platform.Storage.GetModelAsync(model.Key))!;

        // Then the resumed model is that model: its score, its whole learning curve and its weights' bytes
        Assert.Equal(Epochs, resumed.HeldOutCurve.Count);
        Assert.Equal(expected.HeldOutCurve, resumed.HeldOutCurve);
        Assert.Equal((expected.Accuracy, expected.Loss), (resumed.Accuracy, resumed.Loss));
        Assert.Equal(await WeightsHashAsync(reference, model.Key), await WeightsHashAsync(env, model.Key));
    }

    [GeneratedRegex(@"Resumed from \S+ after epoch (\d+)")]
    private static partial Regex ResumedAfter();

    private static async Task<bool> ProgressUploadedAsync(TestPlatform env, string sweepId, string modelKey) =>
        await env.Platform.Checkpoints.Container.GetBlobClient($"progress/{sweepId}/{CheckpointFiles.ModelProgressId(modelKey)}.bin").ExistsAsync();

    private static async Task<string> WeightsHashAsync(TestPlatform env, string modelKey) =>
        (await env.Platform.Checkpoints.Container.GetBlobClient($"models/{modelKey}.bin").GetPropertiesAsync()).Value.Metadata[CheckpointStore.Sha256Metadata];

    private static Task WaitUntilAsync(Func<Task<bool>> condition, Func<string> output) =>
        ProgressResumeProcessTests.WaitUntilAsync(condition, output, TimeSpan.FromSeconds(300));
}
