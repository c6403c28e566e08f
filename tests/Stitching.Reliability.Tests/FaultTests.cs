using System.Globalization;
using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Platform.Storage;

namespace Stitching.Reliability.Tests;

/// <summary>
/// Faults against real runner processes and Azurite. Short locks (2-3 s) make redelivery quick; every deadline is
/// generous and only bounds a hang, nothing asserts speed. Each test ends with the every-stitch-accounted-for check.
/// </summary>
[Collection(RunnerProcesses.Name)]
public sealed class FaultTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    [AzuriteFact]
    public async Task A_runner_killed_mid_job_has_its_job_redelivered_and_resumed_from_the_last_epoch_checkpoint()
    {
        await using var env = await SweepEnvironment.CreateAsync(TimeSpan.FromSeconds(2));
        var id = await env.SubmitAsync(Specs.Small(epochs: 6, ["stem", "1.0"], ["2.0", "3.0"]));
        using var a = env.StartRunner("a", epochMs: 400);
        var second = await a.WaitForLineAsync(l => l.StartsWith("EPOCH ", StringComparison.Ordinal) && l.Split(' ')[2] == "2", Deadline);
        Assert.True(second is not null, a.Describe());
        var tag = second!.Split(' ')[1];

        a.Kill();
        using var b = env.StartRunner("b", epochMs: 400);
        await env.WaitFinishedAsync(id, Deadline, a, b);

        var resumed = b.Lines.SingleOrDefault(l => l.StartsWith($"RESUMED {tag} ", StringComparison.Ordinal));
        Assert.True(resumed is not null, b.Describe());
        Assert.True(int.Parse(resumed!.Split(' ')[2], CultureInfo.InvariantCulture) >= 2, resumed);
        Assert.DoesNotContain(a.Lines, l => l.StartsWith($"COMPLETED {tag}", StringComparison.Ordinal));
        var killed = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).Single(j => j.Message.Stitches is { } g && Specs.Tag(g.Tasks().Single()) == tag);
        Assert.Equal(JobState.Done, killed.State);
        Assert.True(killed.Attempts >= 2);
        Assert.Equal(4, (await env.Platform.Queries.GetStatusAsync(id))!.Done - 2);
        await env.AssertEveryStitchAccountedForAsync(id);
    }

    [AzuriteFact]
    public async Task Every_message_delivered_twice_to_two_racing_runners_runs_each_job_once()
    {
        // Stitches run 5 s, longer than the 4 s lease a claim starts with: the duplicate copy, retried every 0.5 s,
        // may only take over if the holder stops renewing, so the lease must be extended while the job runs.
        await using var env = await SweepEnvironment.CreateAsync(TimeSpan.FromSeconds(2));
        var id = await env.SubmitAsync(Specs.Small(epochs: 5, ["stem"], ["2.0", "3.0"]));
        var jobs = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
        await env.Platform.Queue.SendBatchAsync(jobs.Where(j => j.Kind == JobKind.Model).Select(j => j.Message));
        using var a = env.StartRunner("a", epochMs: 1000);
        using var b = env.StartRunner("b", epochMs: 1000);

        // Once the stitches are fanned out, send them again: two copies of every message in the queue.
        var until = DateTime.UtcNow + Deadline;
        while (!(await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).Where(j => j.Kind == JobKind.Stitch).All(j => j.Sent))
        {
            Assert.True(DateTime.UtcNow < until, a.Describe() + b.Describe());
            await Task.Delay(100);
        }
        await env.Platform.Queue.SendBatchAsync(jobs.Where(j => j.Kind == JobKind.Stitch).Select(j => j.Message));
        await env.WaitFinishedAsync(id, Deadline, a, b);
        while ((await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
        {
            Assert.True(DateTime.UtcNow < until, "the duplicate copies were never completed");
            await Task.Delay(250);
        }

        var lines = a.Lines.Concat(b.Lines).ToList();
        Assert.Equal(2, lines.Count(l => l.StartsWith("MODEL ", StringComparison.Ordinal)));
        var completed = lines.Where(l => l.StartsWith("COMPLETED ", StringComparison.Ordinal)).Select(l => l.Split(' ')[1]).ToList();
        Assert.Equal(2, completed.Count);
        Assert.Equal(2, completed.Distinct().Count());
        await env.AssertEveryStitchAccountedForAsync(id);
    }

    [AzuriteFact]
    public async Task Two_claims_on_one_job_row_with_the_same_etag_have_one_winner()
    {
        await using var env = await SweepEnvironment.CreateAsync(TimeSpan.FromSeconds(30));
        var id = await env.SubmitAsync(Specs.Small(epochs: 1, ["stem"], ["2.0"]));
        var row = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).First(j => j.Kind == JobKind.Stitch);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i =>
            env.Platform.Storage.TryUpdateJobAsync(row with { State = JobState.Running, ClaimedBy = $"w{i}", Attempts = 1 })));

        var winner = Assert.Single(claims, c => c is not null);
        Assert.Equal(winner!.ClaimedBy, (await env.Platform.Storage.GetJobAsync(id, row.JobId))!.ClaimedBy);
    }

    [AzuriteFact]
    public async Task Storage_down_for_seconds_mid_sweep_is_ridden_out_by_runners_and_api()
    {
        using var azurite = await PrivateAzurite.StartAsync();
        await using var env = await SweepEnvironment.CreateAsync(TimeSpan.FromSeconds(3), connectionString: azurite.ConnectionString);
        var id = await env.SubmitAsync(Specs.Small(epochs: 4, ["stem", "1.0"], ["2.0", "3.0"]));
        using var a = env.StartRunner("a", epochMs: 500);
        using var b = env.StartRunner("b", epochMs: 500);
        Assert.True(await a.WaitForLineAsync(l => l.StartsWith("EPOCH ", StringComparison.Ordinal), Deadline) is not null, a.Describe());

        await azurite.StopAsync();
        // The API is asked while storage is down; its client retries with backoff and answers once storage is back.
        var api = Task.Run(async () =>
        {
            var response = await Http.ExecuteAsync(await new GetSweep(env.Platform.Queries).RunAsync(Http.Request(), id, default));
            return (Response: response, At: DateTime.UtcNow);
        });
        await Task.Delay(TimeSpan.FromSeconds(5)); // the outage
        var restarted = DateTime.UtcNow;
        await azurite.RestartAsync();

        var answer = await api.WaitAsync(Deadline);
        Assert.Equal(200, answer.Response.Status);
        Assert.True(answer.At >= restarted, $"the API answered at {answer.At:O}, while storage was down (restarted {restarted:O})");
        await env.WaitFinishedAsync(id, Deadline, a, b);
        Assert.False(a.HasExited || b.HasExited, "a runner died of the outage\n" + a.Describe() + b.Describe());
        await env.AssertEveryStitchAccountedForAsync(id);
    }

    [AzuriteFact]
    public async Task Poison_jobs_are_dead_lettered_on_first_delivery_with_reasons_in_sweep_status_while_the_sweep_goes_on()
    {
        await using var env = await SweepEnvironment.CreateAsync(TimeSpan.FromSeconds(3));
        var good = await env.SubmitAsync(Specs.Small(epochs: 1, ["stem", "1.0"], ["2.0"], name: "good"));

        // Malformed body.
        await env.Queue.Queue.SendMessageAsync("{\"sweepId\": \"x\", \"jobId\": ");
        // A job naming an architecture the engine cannot build (a spec the API would refuse, as from an old client).
        var bad = new SweepRecord("badarch", "bad", new SweepSpec(), DateTimeOffset.UtcNow, SweepState.Active, 1, 0);
        var unknownArch = JobMessage.ForModel(bad.Id, new ModelSpec("vgg16", 16, "fashion-mnist", 0, true, null, new TrainSettings()));
        await env.Platform.Storage.AddJobsAsync([unknownArch]);
        await env.Platform.Storage.AddSweepAsync(bad);
        await env.Platform.Queue.SendBatchAsync([unknownArch]);
        // A stitch whose models are recorded as trained but whose checkpoints are not in blob storage.
        // Other seeds than the good sweep's, whose models (same keys) would otherwise provide the checkpoints.
        var spec = Specs.Small(epochs: 1, ["stem"], ["2.0"], name: "missing") with { SenderSeeds = [7], ReceiverSeeds = [8] };
        var plan = SweepPlan.Create(spec);
        var missing = new SweepRecord("missingckpt", "missing", spec, DateTimeOffset.UtcNow, SweepState.Active, 0, plan.StitchGroups.Count(), plan.Stitches.Count());
        await env.Platform.Storage.AddJobsAsync(plan.StitchGroups.Select(g => JobMessage.ForStitches(missing.Id, g)));
        await env.Platform.Storage.AddSweepAsync(missing);
        foreach (var m in plan.Models) await env.Platform.Storage.UpsertModelAsync(m.Key, new(m.Arch, m.Width, m.Dataset, m.Seed, m.Trained, 1, 1000, 0.9, 0.3));
        await env.Platform.Coordinator.FanOut.FanOutAsync(missing.Id);

        using var a = env.StartRunner("a", epochMs: 50);
        await env.WaitFinishedAsync(good, Deadline, a);
        await env.WaitFinishedAsync(bad.Id, Deadline, a);
        var missingStatus = await env.WaitFinishedAsync(missing.Id, Deadline, a);

        // A job row is marked Failed just before its message moves to the poison queue.
        var until = DateTime.UtcNow + Deadline;
        while ((await env.Queue.Poison.PeekMessagesAsync(32)).Value.Length < 3 && DateTime.UtcNow < until) await Task.Delay(100);
        var poison = (await env.Queue.Poison.PeekMessagesAsync(32)).Value
            .Select(m => JsonSerializer.Deserialize(m.Body.ToString(), PlatformJsonContext.Default.DeadLetterEnvelope)!).ToList();
        Assert.Equal(["CheckpointUnavailable", "InvalidJob", "MalformedMessage"], poison.Select(p => p.Reason).Order());
        var failure = Assert.Single(missingStatus.Failures);
        Assert.Equal(1, failure.Attempts);
        Assert.Contains("CheckpointUnavailable", failure.Error);
        Assert.Contains("is not in blob storage", failure.Error);
        var badFailure = Assert.Single((await env.Platform.Queries.GetStatusAsync(bad.Id))!.Failures);
        Assert.Contains("vgg16", badFailure.Error);
        Assert.Equal(0, badFailure.Attempts); // refused before it was ever claimed
        Assert.Equal(4, (await env.Platform.Queries.GetStatusAsync(good))!.Done);
        await env.AssertEveryStitchAccountedForAsync(good);
        await env.AssertEveryStitchAccountedForAsync(missing.Id);
    }

    [AzuriteFact]
    public async Task A_cancelled_sweep_starts_no_new_work_and_stops_the_running_job_at_its_next_step()
    {
        await using var env = await SweepEnvironment.CreateAsync(TimeSpan.FromSeconds(3));
        var id = await env.SubmitAsync(Specs.Small(epochs: 40, ["stem", "1.0"], ["2.0", "3.0"]));
        using var a = env.StartRunner("a", epochMs: 250);
        var started = await a.WaitForLineAsync(l => l.StartsWith("EPOCH ", StringComparison.Ordinal) && l.Split(' ')[2] == "2", Deadline);
        Assert.True(started is not null, a.Describe());
        var tag = started!.Split(' ')[1];

        var cancel = await Http.ExecuteAsync(await new CancelSweep(env.Platform.Coordinator, env.Platform.Queries).RunAsync(Http.Request("POST"), id, default));
        Assert.Equal(200, cancel.Status);
        var status = await env.WaitFinishedAsync(id, Deadline, a);
        // Every message settled (the approximate count includes leased ones): the running job has stopped and
        // nothing is left that the runner could still start.
        var until = DateTime.UtcNow + Deadline;
        while ((await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount > 0)
        {
            Assert.True(DateTime.UtcNow < until, "the cancelled sweep's messages were never settled\n" + a.Describe());
            await Task.Delay(250);
        }

        Assert.Equal(SweepState.Cancelled, status.State);
        Assert.Equal(4, status.Cancelled);
        Assert.DoesNotContain(a.Lines, l => l.StartsWith("COMPLETED ", StringComparison.Ordinal));
        Assert.All(a.Lines.Where(l => l.StartsWith("EPOCH ", StringComparison.Ordinal)), l => Assert.Equal(tag, l.Split(' ')[1])); // no other stitch started
        Assert.True(a.Lines.Count(l => l.StartsWith("EPOCH ", StringComparison.Ordinal)) < 40);
        Assert.Empty(await env.Platform.Storage.ListResultsAsync(id).ToListAsync());
        await env.AssertEveryStitchAccountedForAsync(id, cancelled: true);
    }
}
