using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.DevTools;
using Stitching.Platform.Processing;

namespace Stitching.Platform.Tests;

public sealed class StuckJobTests
{
    [AzuriteFact]
    public async Task A_job_left_running_by_a_dead_runner_is_resent_once_its_lease_expires()
    {
        // Given a model job claimed by a runner that died, its message gone
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        await env.Queue.Queue.ClearMessagesAsync();
        var jobs = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
        var orphan = jobs.First(j => j.Kind == JobKind.Model);
        var live = jobs.Last(j => j.Kind == JobKind.Model);
        await env.Platform.Storage.UpdateJobAsync(id, orphan.JobId, j => j with { State = JobState.Running, ClaimedBy = "dead", LeaseUntil = DateTimeOffset.UtcNow.AddSeconds(-1) });
        await env.Platform.Storage.UpdateJobAsync(id, live.JobId, j => j with { State = JobState.Running, ClaimedBy = "alive", LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(5) });

        // When the recovery pass (the timer's work) looks for expired leases
        var report = await env.Platform.Coordinator.RecoverAsync();

        // Then only the orphan is queued again, and a worker finishes it
        Assert.Equal(1, report.Resent);
        Assert.Equal(JobState.Running, (await env.Platform.Storage.GetJobAsync(id, live.JobId))!.State);
        var outcomes = await TestPlatform.DrainAsync(env.Processor(new FakeExecutor()));
        Assert.Equal(JobOutcome.Done, outcomes[0]);
        Assert.Equal(JobState.Done, (await env.Platform.Storage.GetJobAsync(id, orphan.JobId))!.State);
    }
}
