using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Platform.Queues;

namespace Stitching.Platform.Tests;

/// <summary>
/// The real <c>worker --max-jobs 1</c> process as a Container Apps job execution runs it: one message whatever its
/// outcome, then exit; exit at once on an empty queue; SIGTERM hands the held message back; <c>--device cuda</c>
/// without CUDA fails before receiving anything. Deadlines only bound a hang.
/// </summary>
[Collection(RunnerProcesses.Name)]
public sealed class JobModeTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private static readonly Dictionary<string, string> QuickReceive = new() { ["Stitching__Worker__ReceiveWait"] = "00:00:02" };

    [AzuriteFact]
    public async Task A_job_mode_runner_exits_at_the_first_empty_receive()
    {
        await using var env = await TestPlatform.CreateAsync();

        using var runner = GpuRunnerProcess.Start(env, "empty", "cpu", QuickReceive, "--max-jobs", "1");
        var (exit, output) = await runner.WaitForExitAsync(Deadline);

        Assert.True(exit == 0, output);
        Assert.Contains("Queue empty", output);
    }

    public enum Case { Duplicate, Cancelled, Deferred, DeadLettered }

    [AzuriteTheory]
    [InlineData(Case.Duplicate, 0)]
    [InlineData(Case.Cancelled, 0)]
    [InlineData(Case.Deferred, 0)]
    [InlineData(Case.DeadLettered, 1)]
    public async Task A_job_mode_runner_exits_after_its_one_message_whatever_the_outcome(Case outcome, int expectedExit)
    {
        // Given two copies of one message: the runner must take one and leave the other untouched
        await using var env = await TestPlatform.CreateAsync(retryDelay: TimeSpan.FromMinutes(5)); // a deferred copy stays invisible
        var id = await env.SubmitAsync();
        await env.Queue.Queue.ClearMessagesAsync();
        var jobs = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
        var model = jobs.First(j => j.Kind == JobKind.Model);
        var stitch = jobs.First(j => j.Kind == JobKind.Stitch);
        switch (outcome)
        {
            case Case.Duplicate:
                await env.Platform.Storage.UpdateJobAsync(id, model.JobId, j => j with { State = JobState.Done });
                await env.Platform.Queue.SendBatchAsync([model.Message, model.Message]);
                break;
            case Case.Cancelled:
                await env.Platform.Coordinator.Control.CancelAsync(id);
                await env.Platform.Queue.SendBatchAsync([model.Message, model.Message]);
                break;
            case Case.Deferred: // its models are not trained
                await env.Platform.Queue.SendBatchAsync([stitch.Message, stitch.Message]);
                break;
            case Case.DeadLettered:
                await env.Queue.Queue.SendMessageAsync("not a job");
                await env.Queue.Queue.SendMessageAsync("not a job");
                break;
        }

        // When a job-mode runner starts
        using var runner = GpuRunnerProcess.Start(env, "one", "cpu", QuickReceive, "--max-jobs", "1");
        var (exit, output) = await runner.WaitForExitAsync(Deadline);

        // Then it exits with the outcome's code, and the other copy was never received
        Assert.True(exit == expectedExit, $"exit {exit}\n{output}");
        var visible = (await env.Queue.Queue.PeekMessagesAsync(32)).Value;
        var untouched = Assert.Single(visible);
        Assert.Equal(0, untouched.DequeueCount);
        if (outcome == Case.Deferred)
        {
            Assert.Equal(2, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount); // and the deferred copy waits
            Assert.Equal(JobState.Queued, (await env.Platform.Storage.GetJobAsync(id, stitch.JobId))!.State);
        }
        if (outcome == Case.DeadLettered) Assert.Single((await env.Queue.Poison.PeekMessagesAsync(32)).Value);
    }

    [AzuriteFact]
    public async Task Sigterm_mid_job_hands_the_message_back_at_once_and_the_runner_exits()
    {
        // Given a runner training a model, with a 5-minute lock: without a hand-back the message would stay invisible that long
        await using var env = await TestPlatform.CreateAsync();
        await env.UploadFashionMnistAsync(); // runners have no data of their own
        var id = await env.SubmitAsync("""
            {"senders": ["resnet(1,1,1,1)"], "receivers": ["resnet(1,1,1,1)"], "width": 8, "trainLimit": 20000, "testLimit": 100,
             "variants": ["trained->trained"], "senderLayers": ["stem"], "receiverLayers": ["3.0"], "model": {"epochs": 3}, "stitch": {"epochs": 1}}
            """);
        var lockFor5Minutes = new Dictionary<string, string> { ["Stitching__Queue__LockDuration"] = "00:05:00" };
        using var runner = GpuRunnerProcess.Start(env, "terminated", "cpu", lockFor5Minutes, "--max-jobs", "1");
        var running = await WaitForAsync(async () => (await env.Platform.Storage.ListJobsAsync(id).ToListAsync())
            .FirstOrDefault(j => j is { State: JobState.Running, ClaimedBy: "terminated" }), runner);

        // When Container Apps sends SIGTERM
        runner.Terminate();
        var (exit, output) = await runner.WaitForExitAsync(Deadline);

        // Then the runner exits with SIGTERM's code, the row is Queued again and the message can be received now
        Assert.True(exit == 143, $"exit {exit}\n{output}");
        var row = (await env.Platform.Storage.GetJobAsync(id, running.JobId))!;
        Assert.Equal(JobState.Queued, row.State);
        Assert.Null(row.ClaimedBy);
        var lease = await WaitForAsync(async () => await env.Platform.Queue.ReceiveAsync(TimeSpan.FromSeconds(1)) is { } l && l.Message!.JobId == running.JobId ? l : null,
            runner, TimeSpan.FromSeconds(20)); // the sweep's other model job is on the queue too
        Assert.Equal(2, lease.DeliveryCount);
    }

    [AzuriteFact]
    public async Task Device_cuda_without_cuda_exits_with_the_cannot_start_code_naming_cuda_before_receiving_any_message()
    {
        // Given jobs on the queue; this test build uses libtorch-cpu, so CUDA is never available to it
        await using var env = await TestPlatform.CreateAsync();
        await env.SubmitAsync();

        using var runner = GpuRunnerProcess.Start(env, "gpu", "cuda", QuickReceive, "--max-jobs", "1");
        var (exit, output) = await runner.WaitForExitAsync(Deadline);

        Assert.True(exit == Stitching.Domain.Jobs.RunnerJob.CannotStartExitCode, $"exit {exit}\n{output}");
        Assert.Equal(4, Stitching.Domain.Jobs.RunnerJob.CannotStartExitCode); // documented in docs/platform.md and the alert: never renumbered quietly
        Assert.Contains("--device cuda: CUDA is not available", output);
        var queued = (await env.Queue.Queue.PeekMessagesAsync(32)).Value;
        Assert.Equal(2, queued.Length);
        Assert.All(queued, m => Assert.Equal(0, m.DequeueCount));
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, GpuRunnerProcess runner, TimeSpan? deadline = null) where T : class
    {
        var until = DateTime.UtcNow + (deadline ?? Deadline);
        while (DateTime.UtcNow < until)
        {
            if (await probe() is { } found) return found;
            await Task.Delay(100);
        }
        throw new TimeoutException($"state not reached within {deadline ?? Deadline}\n{runner.Output}");
    }
}
