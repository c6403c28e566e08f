using Stitching.Core.Contracts;
using Stitching.Core.Storage;
using Stitching.Core.Sweeps;

namespace Stitching.Platform.Tests;

/// <summary>Big sweeps answer at once and write their jobs afterwards; a sweep whose planner died is finished by a worker.</summary>
public sealed class BackgroundPlanningTests
{
    private static SweepSpec Spec(string name = "planned") => new()
    {
        Name = name, Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,2,1,1)"], Variants = ["all"], TrainLimit = 1000,
        StitchesPerJob = 10, // 5 x 6 layers: 3 jobs per variant
    };

    [AzuriteFact]
    public async Task A_sweep_over_the_inline_limit_answers_planning_then_writes_every_job_and_fans_out()
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
        await coordinator.WhenPlannedAsync(sweep.Id);
        Assert.Equal(SweepState.Active, (await env.Platform.Storage.GetSweepAsync(sweep.Id))!.State);
        var jobs = await env.Platform.Storage.ListJobsAsync(sweep.Id).ToListAsync();
        Assert.Equal(sweep.TotalJobs, jobs.Count);
        Assert.All(jobs, j => Assert.Equal(JobState.Queued, j.State));
        Assert.Equal(4, jobs.Count(j => j is { Kind: JobKind.Model, Sent: true }));
        Assert.DoesNotContain(jobs, j => j is { Kind: JobKind.Stitch, Sent: true }); // they wait for their models
        var status = (await coordinator.GetStatusAsync(sweep.Id))!;
        Assert.Equal(sweep.TotalJobs, status.Total);
        Assert.False(status.Finished);
    }

    [AzuriteFact]
    public async Task A_sweep_left_planning_by_a_dead_submitter_is_finished_by_the_idle_check_and_counted_meanwhile()
    {
        // Given a sweep row whose submitter died before writing any job
        await using var env = await TestPlatform.CreateAsync();
        var plan = SweepPlan.Create(Spec("orphan"));
        var sweep = new SweepRecord(StorageIds.NewSweepId(), "orphan", Spec("orphan"), DateTimeOffset.UtcNow.AddMinutes(-5), SweepState.Planning,
            plan.Models.Count(), plan.StitchGroups.Count(), plan.Stitches.Count());
        await env.Platform.Storage.AddSweepAsync(sweep);
        var waiting = (await env.Platform.Coordinator.GetStatusAsync(sweep.Id))!;
        Assert.Equal(sweep.TotalJobs, waiting.Total);
        Assert.Equal(sweep.TotalJobs, waiting.Queued);
        Assert.False(waiting.Finished);

        // When a worker's idle check runs
        await env.Platform.Coordinator.RequeueExpiredAsync();

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

        Assert.True(await env.Platform.Coordinator.CancelAsync(sweep.Id));
        await env.Platform.Coordinator.PlanAsync(sweep.Id);

        Assert.Equal(SweepState.Cancelled, (await env.Platform.Storage.GetSweepAsync(sweep.Id))!.State);
        var jobs = await env.Platform.Storage.ListJobsAsync(sweep.Id).ToListAsync();
        Assert.Equal(5, jobs.Count); // a cancelled sweep is not planned any further
        Assert.All(jobs, j => Assert.Equal(JobState.Cancelled, j.State));
        Assert.Equal(0, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
