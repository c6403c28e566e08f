using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Platform.Processing;

namespace Stitching.Platform.Tests;

public sealed class StuckJobTests
{
    [AzuriteFact]
    public async Task A_job_left_running_whose_message_was_lost_is_resent_once_its_lease_is_past_the_grace()
    {
        // Given a model job claimed by a runner that died, its message gone (lost by the queue), its lease over an hour ago
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        await env.Queue.Queue.ClearMessagesAsync();
        var jobs = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
        var orphan = jobs.First(j => j.Kind == JobKind.Model);
        var live = jobs.Last(j => j.Kind == JobKind.Model);
        var grace = env.Platform.Coordinator.LostMessageGrace;
        await env.Platform.Storage.UpdateJobAsync(id, orphan.JobId, j => j with { State = JobState.Running, ClaimedBy = "dead", LeaseUntil = DateTimeOffset.UtcNow - grace - TimeSpan.FromSeconds(1) });
        await env.Platform.Storage.UpdateJobAsync(id, live.JobId, j => j with { State = JobState.Running, ClaimedBy = "alive", LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(5) });

        // When the recovery pass (the timer's work) looks for expired leases
        var report = await env.Platform.Coordinator.Recovery.RecoverAsync();

        // Then only the orphan is queued again, and a worker finishes it
        Assert.Equal(1, report.Resent);
        Assert.Equal(JobState.Running, (await env.Platform.Storage.GetJobAsync(id, live.JobId))!.State);
        var outcomes = await TestPlatform.DrainAsync(env.Processor(new FakeExecutor()));
        Assert.Equal(JobOutcome.Done, outcomes[0]);
        Assert.Equal(JobState.Done, (await env.Platform.Storage.GetJobAsync(id, orphan.JobId))!.State);
    }

    [AzuriteFact]
    public async Task A_surplus_copy_of_a_held_job_is_deferred_once_to_the_lease_end_and_the_timer_sends_no_second_copy()
    {
        // Given a model job whose row is Running under another runner's lease with 30 s left, and a copy of its message
        // delivered for the first time (a surplus copy: the holder's own message is not this one)
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        await env.Queue.Queue.ClearMessagesAsync();
        var orphan = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).First(j => j.Kind == JobKind.Model);
        var leaseEnd = DateTimeOffset.UtcNow.AddSeconds(30);
        await env.Platform.Storage.UpdateJobAsync(id, orphan.JobId, j => j with { State = JobState.Running, ClaimedBy = "dead", LeaseUntil = leaseEnd });
        await env.Platform.Queue.SendBatchAsync([orphan.Message]);

        // When another runner receives it, and the recovery pass runs
        var lease = await env.Platform.Queue.ReceiveAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(lease);
        var outcome = await env.Processor(new FakeExecutor(), "w2").ProcessAsync(lease);
        var report = await env.Platform.Coordinator.Recovery.RecoverAsync();

        // Then the runner defers one copy, invisible until the lease ends (not RetryDelay, 300 ms here), and the pass
        // re-sends nothing: one message for the job waits on the queue
        Assert.Equal(JobOutcome.Deferred, outcome);
        Assert.Equal(0, report.Resent);
        Assert.Empty((await env.Queue.Queue.PeekMessagesAsync(32)).Value);
        Assert.Equal(1, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [AzuriteFact]
    public async Task A_dead_runners_message_back_after_its_lock_is_taken_over_at_once_with_no_deferred_copy()
    {
        // Given a model job whose runner died holding it: its row Running under a lease with 30 s left, and its message,
        // delivered once (to that runner) and never completed, visible again once its 1 s lock ran out
        await using var env = await TestPlatform.CreateAsync(lockDuration: TimeSpan.FromSeconds(1));
        var id = await env.SubmitAsync();
        await env.Queue.Queue.ClearMessagesAsync();
        var orphan = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).First(j => j.Kind == JobKind.Model);
        await env.Platform.Storage.UpdateJobAsync(id, orphan.JobId, j => j with { State = JobState.Running, ClaimedBy = "dead", LeaseUntil = DateTimeOffset.UtcNow.AddSeconds(30) });
        await env.Platform.Queue.SendBatchAsync([orphan.Message]);
        Assert.NotNull(await env.Platform.Queue.ReceiveAsync(TimeSpan.FromSeconds(5))); // the dead runner's delivery
        IJobLease? redelivered = null;
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); redelivered is null && clock.Elapsed < TimeSpan.FromSeconds(60);)
            redelivered = await env.Platform.Queue.ReceiveAsync(TimeSpan.FromSeconds(2));

        // When another runner receives it back
        Assert.NotNull(redelivered);
        Assert.Equal(2, redelivered.DeliveryCount);
        var outcome = await env.Processor(new FakeExecutor(), "w2").ProcessAsync(redelivered);

        // Then it runs the job at once (one redelivery, one execution), and no deferred copy waits on the queue
        Assert.Equal(JobOutcome.Done, outcome);
        var row = (await env.Platform.Storage.GetJobAsync(id, orphan.JobId))!;
        Assert.Equal((JobState.Done, "w2"), (row.State, row.ClaimedBy));
        Assert.Equal(0, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }
}
