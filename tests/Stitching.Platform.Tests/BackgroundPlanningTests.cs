using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Maintenance;
using Stitching.Functions.Sweeps;
using Stitching.Platform;
using Stitching.Platform.Coordination;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Tests;

/// <summary>Big sweeps answer at once and are planned by the recovery pass (the timer); a sweep whose planner died is finished by it too.</summary>
public sealed class BackgroundPlanningTests
{
    private static SweepSpec Spec(string name = "planned") => new()
    {
        Name = name, Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,2,1,1)"], Variants = ["all"], TrainLimit = 1000,
        StitchesPerJob = 10, // 5 x 6 layers: 3 jobs per variant
    };

    [AzuriteFact]
    public async Task A_sweep_over_the_inline_limit_answers_planning_and_the_recovery_pass_writes_every_job_and_fans_out()
    {
        await using var env = await TestPlatform.CreateAsync();
        var coordinator = new SweepCoordinator(env.Platform.Storage, env.Platform.Queue) { InlinePlanningLimit = 10 };
        var expected = SweepPlan.Create(Spec());

        var submission = await coordinator.SubmitAsync(Spec());

        var sweep = submission.Sweep!;
        Assert.Equal(SweepState.Planning, sweep.State);
        Assert.Equal(4, sweep.ModelJobs);
        Assert.Equal(12, sweep.StitchJobs);
        Assert.Equal(expected.Stitches.Count(), sweep.Stitches);
        Assert.Equal(SweepState.Planning, (await env.Platform.Storage.GetSweepAsync(sweep.Id))!.State); // nothing plans it in the background
        await coordinator.Recovery.RecoverAsync();
        Assert.Equal(SweepState.Active, (await env.Platform.Storage.GetSweepAsync(sweep.Id))!.State);
        var jobs = await env.Platform.Storage.ListJobsAsync(sweep.Id).ToListAsync();
        Assert.Equal(sweep.TotalJobs, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(JobState.Queued, j.State));
        Assert.Equal(4, jobs.Count(j => j is { Kind: JobKind.Model, Sent: true }));
        Assert.DoesNotContain(jobs, j => j is { Kind: JobKind.Stitch, Sent: true }); // they wait for their models
        var status = (await env.Platform.Queries.GetStatusAsync(sweep.Id))!;
        Assert.Equal(sweep.TotalJobs, status.Total);
        Assert.False(status.Finished);
    }

    [AzuriteFact]
    public async Task A_sweep_left_planning_by_a_dead_submitter_is_finished_by_the_recovery_timer_and_counted_meanwhile()
    {
        // Given a sweep row whose submitter died before writing any job
        await using var env = await TestPlatform.CreateAsync();
        var plan = SweepPlan.Create(Spec("orphan"));
        var sweep = new SweepRecord(StorageIds.NewSweepId(), "orphan", Spec("orphan"), DateTimeOffset.UtcNow.AddMinutes(-5), SweepState.Planning,
            plan.Models.Count(), plan.StitchGroups.Count(), plan.Stitches.Count());
        await env.Platform.Storage.AddSweepAsync(sweep);
        var waiting = (await env.Platform.Queries.GetStatusAsync(sweep.Id))!;
        Assert.Equal(sweep.TotalJobs, waiting.Total);
        Assert.Equal(sweep.TotalJobs, waiting.Queued);
        Assert.False(waiting.Finished);

        // When the recovery timer runs
        await new RecoverSweeps(env.Platform.Coordinator, NullLogger<RecoverSweeps>.Instance).RunAsync(new TimerInfo(), default);

        // Then the jobs exist, the sweep is active and its model jobs are on the queue
        Assert.Equal(SweepState.Active, (await env.Platform.Storage.GetSweepAsync(sweep.Id))!.State);
        Assert.Equal(sweep.TotalJobs, await env.Platform.Storage.ListJobsAsync(sweep.Id).CountAsync());
        Assert.Equal(sweep.ModelJobs, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [AzuriteFact]
    public async Task A_sweep_cancelled_while_planning_stays_cancelled_with_every_job_cancelled_and_nothing_sent()
    {
        await using var env = await TestPlatform.CreateAsync();
        var plan = SweepPlan.Create(Spec("cancelled"));
        var sweep = new SweepRecord(StorageIds.NewSweepId(), "cancelled", Spec("cancelled"), DateTimeOffset.UtcNow, SweepState.Planning,
            plan.Models.Count(), plan.StitchGroups.Count(), plan.Stitches.Count());
        await env.Platform.Storage.AddSweepAsync(sweep);
        // the planner had written some rows when the cancel came
        await env.Platform.Storage.AddJobsAsync(plan.StitchGroups.Take(5).Select(g => JobMessage.ForStitches(sweep.Id, g)));

        Assert.True(await env.Platform.Coordinator.Control.CancelAsync(sweep.Id));
        await env.Platform.Coordinator.PlanAsync(sweep.Id);
        await env.Platform.Coordinator.Recovery.RecoverAsync(); // the cancel answers at once; the timer marks the rows

        Assert.Equal(SweepState.Cancelled, (await env.Platform.Storage.GetSweepAsync(sweep.Id))!.State);
        var jobs = await env.Platform.Storage.ListJobsAsync(sweep.Id).ToListAsync();
        Assert.Equal(5, jobs.Count); // a cancelled sweep is not planned any further
        Assert.All(jobs, j => Assert.Equal(JobState.Cancelled, j.State));
        Assert.Equal(0, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    /// <summary>4 variants x 3 stitch seeds x the 5 x 5 layers of resnet(1,1,1,1), one stitch per job: over the inline limit.</summary>
    public const string Big = """
        {"name": "big", "senders": ["resnet(1,1,1,1)"], "receivers": ["resnet(1,1,1,1)"], "variants": ["all"], "stitchSeeds": [0, 1, 2],
         "trainLimit": 1000, "stitch": {"epochs": 1}, "stitchesPerJob": 1}
        """;

    [AzuriteFact]
    public async Task A_big_sweep_submitted_by_an_api_that_then_dies_is_planned_by_the_timer_with_no_runner_alive()
    {
        // Given a sweep of more than 256 jobs submitted through the API function, which answers at once
        await using var env = await TestPlatform.CreateAsync();
        var api = StitchingPlatform.Create(env.StorageOptions, env.QueueOptions);
        var answer = await Http.ExecuteAsync(await new SubmitSweep(api.Coordinator).RunAsync(Http.Request("POST", Big), default));
        Assert.True(answer.Status == 202, answer.Body);
        var id = answer.Json.GetProperty("sweepId").GetString()!;
        var stored = (await env.Platform.Storage.GetSweepAsync(id))!;
        Assert.True(stored.TotalJobs > api.Coordinator.InlinePlanningLimit, $"{stored.TotalJobs} jobs");
        Assert.Equal(SweepState.Planning, stored.State);

        // When the API is gone (nothing of it is used again), no runner exists, and the timer function fires once
        var timer = StitchingPlatform.Create(env.StorageOptions, env.QueueOptions);
        await new RecoverSweeps(timer.Coordinator, NullLogger<RecoverSweeps>.Instance).RunAsync(new TimerInfo(), default);

        // Then the sweep is active with every job row, and its model jobs are on the queue for the scaler to see
        Assert.Equal(SweepState.Active, (await env.Platform.Storage.GetSweepAsync(id))!.State);
        var jobs = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
        Assert.Equal(stored.TotalJobs, jobs.Count);
        Assert.Equal(stored.ModelJobs, jobs.Count(j => j.Sent));
        Assert.Equal(stored.ModelJobs, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        var queued = (await env.Queue.Queue.PeekMessagesAsync(32)).Value;
        Assert.All(queued, m => Assert.Equal(JobKind.Model, JobMessageParser.Parse(m.Body.ToString()).Message!.Kind));
    }
}
