using System.Diagnostics;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;
using Stitching.Reporting.Tables;
using Xunit.Abstractions;

namespace Stitching.Platform.Tests;

/// <summary>
/// Fan-out claims the rows it sends, so runners finishing models at once and the recovery timer never send a job twice;
/// a dead sender's claim expires; cancelling a big sweep is a few batched requests. Real tables on Azurite; the Storage
/// queue is real, the Service Bus sender is a recording fake (no emulator here) behind the real <see cref="ServiceBusJobQueue"/>.
/// </summary>
public sealed class SendOnceTests(ITestOutputHelper output)
{
    /// <summary>Four models (trained and random of each), every variant, one stitch per job: 4 model jobs and 120 stitch jobs.</summary>
    private static SweepSpec Spec() => new()
    {
        Name = "send-once", Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,2,1,1)"], Variants = ["all"], TrainLimit = 1000,
        StitchesPerJob = 1,
    };

    [AzuriteTheory]
    [InlineData("storage")]
    [InlineData("servicebus")]
    public async Task Models_finishing_at_once_while_the_timer_runs_send_each_job_exactly_once(string backend)
    {
        // Given an active sweep whose model jobs were sent, and whose models all become ready at the same moment
        await using var env = await TestPlatform.CreateAsync();
        var serviceBus = new RecordingServiceBusSender();
        IJobQueue queue = backend == "storage" ? env.Platform.Queue : new ServiceBusJobQueue(serviceBus, new RecordingServiceBusReceiver(), new RecordingServiceBusReceiver());
        SweepCoordinator Coordinator() => new(env.Platform.Storage, queue);
        var sweep = (await Coordinator().SubmitAsync(Spec())).Sweep!;
        var plan = SweepPlan.Create(Spec());
        foreach (var m in plan.Models) await env.Platform.Storage.UpsertModelAsync(m.Key, new ModelResult(m.Arch, m.Width, m.Dataset, m.Seed, m.Trained, 1, 1000, 0.9, 0.3));

        // When the four runners that trained them and two timer passes fan out at the same time, each with its own coordinator (process)
        using var start = new Barrier(6);
        var fanOuts = Enumerable.Range(0, 6).Select(i => Task.Run(async () =>
        {
            start.SignalAndWait();
            if (i < 4) await Coordinator().FanOut.OnModelDoneAsync(sweep.Id);
            else await Coordinator().Recovery.RecoverAsync();
        }));
        await Task.WhenAll(fanOuts);

        // Then every job was sent exactly once (model jobs at submission, stitch jobs now), and every row says Sent
        var sent = backend == "storage" ? await ReceiveAllAsync(env) : serviceBus.JobIds();
        var jobs = await env.Platform.Storage.ListJobsAsync(sweep.Id).ToListAsync();
        Assert.Equal(plan.Models.Count() + plan.StitchJobs.Count(), jobs.Count);
        Assert.All(jobs, j => Assert.True(j.Sent, $"{j.JobId} not marked Sent"));
        var perJob = sent.GroupBy(id => id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(jobs.Select(j => j.JobId).Order(), perJob.Keys.Order());
        Assert.All(perJob, p => Assert.True(p.Value == 1, $"{p.Key} sent {p.Value} times"));
    }

    [AzuriteFact]
    public async Task A_send_claim_whose_sender_died_is_sent_by_the_next_fan_out_and_a_live_claim_is_left_alone()
    {
        // Given a sweep whose two model jobs are unsent: one claimed by a sender that died (claim expired), one by a live sender
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        await env.Queue.Queue.ClearMessagesAsync();
        var models = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).Where(j => j.Kind == JobKind.Model).ToList();
        await env.Platform.Storage.UpdateJobAsync(id, models[0].JobId, j => j with { Sent = false, SendingUntil = DateTimeOffset.UtcNow.AddSeconds(-1) });
        await env.Platform.Storage.UpdateJobAsync(id, models[1].JobId, j => j with { Sent = false, SendingUntil = DateTimeOffset.UtcNow.AddMinutes(5) });

        // When a fan-out runs
        var sent = await env.Platform.Coordinator.FanOut.FanOutAsync(id);

        // Then only the dead sender's job goes out, once
        Assert.Equal(1, sent);
        Assert.Equal([models[0].JobId], await ReceiveAllAsync(env));
        Assert.True((await env.Platform.Storage.GetJobAsync(id, models[0].JobId))!.Sent);
        Assert.False((await env.Platform.Storage.GetJobAsync(id, models[1].JobId))!.Sent);
    }

    [AzuriteFact]
    public async Task A_batched_conditional_update_stores_every_row_except_one_changed_since_it_was_read()
    {
        // Given 250 job rows read, then one of them changed by someone else (a worker claiming it)
        await using var env = await TestPlatform.CreateAsync();
        var sweepId = StorageIds.NewSweepId();
        await env.Platform.Storage.AddJobsAsync(SyntheticJobs(sweepId, 250));
        var rows = await env.Platform.Storage.ListJobsAsync(sweepId).ToListAsync();
        var claimed = rows[137];
        await env.Platform.Storage.TryUpdateJobAsync(claimed with { State = JobState.Running, ClaimedBy = "w1" });

        // When all 250 are cancelled in one batched call
        var stored = await env.Platform.Storage.TryUpdateJobsAsync(rows.Select(r => r with { State = JobState.Cancelled }).ToList());

        // Then the other 249 are cancelled and the claimed row is left as its worker wrote it
        Assert.Equal(249, stored.Count);
        Assert.DoesNotContain(stored, r => r.JobId == claimed.JobId);
        var after = await env.Platform.Storage.ListJobsAsync(sweepId).ToListAsync();
        Assert.Equal(249, after.Count(r => r.State == JobState.Cancelled));
        Assert.Equal(JobState.Running, after.Single(r => r.JobId == claimed.JobId).State);
    }

    [AzuriteFact]
    public async Task Cancelling_a_5000_job_sweep_answers_at_once_counts_every_job_cancelled_and_the_timer_marks_the_rows()
    {
        // Given an active sweep of 5,000 queued jobs
        await using var env = await TestPlatform.CreateAsync();
        var sweepId = StorageIds.NewSweepId();
        await env.Platform.Storage.AddSweepAsync(new SweepRecord(sweepId, "big", Spec(), DateTimeOffset.UtcNow, SweepState.Active, 5000, 0));
        await env.Platform.Storage.AddJobsAsync(SyntheticJobs(sweepId, 5000));

        // When it is cancelled through the API, which answers the sweep's status (times printed for docs/platform.md, Reliability; not asserted)
        var clock = Stopwatch.StartNew();
        Assert.True(await env.Platform.Coordinator.Control.CancelAsync(sweepId));
        output.WriteLine($"cancel of 5,000 jobs (the sweep marked): {clock.Elapsed.TotalSeconds:F2} s");
        clock.Restart();
        var answer = await Http.ExecuteAsync(await new Stitching.Functions.Sweeps.CancelSweep(env.Platform.Coordinator, env.Platform.Queries).RunAsync(Http.Request("POST"), sweepId, default));
        output.WriteLine($"POST /api/sweeps/{{id}}/cancel of 5,000 jobs, status answer included: {clock.Elapsed.TotalSeconds:F2} s");
        Assert.Equal(200, answer.Status);
        Assert.Equal(5000, answer.Json.GetProperty("cancelled").GetInt32());

        // Then the sweep is cancelled and its status counts every job cancelled at once
        Assert.Equal(SweepState.Cancelled, (await env.Platform.Storage.GetSweepAsync(sweepId))!.State);
        var status = (await env.Platform.Queries.GetStatusAsync(sweepId))!;
        Assert.Equal((5000, 0, true), (status.Cancelled, status.Queued, status.Finished));
        Assert.Equal(0, await env.Platform.Coordinator.FanOut.FanOutAsync(sweepId));

        // and the recovery pass marks the rows themselves (batched: the time is printed, not asserted)
        clock.Restart();
        await env.Platform.Coordinator.Recovery.RecoverAsync();
        output.WriteLine($"recovery pass marking 5,000 rows cancelled: {clock.Elapsed.TotalSeconds:F2} s");
        Assert.All(await env.Platform.Storage.ListJobsAsync(sweepId).ToListAsync(), j => Assert.Equal(JobState.Cancelled, j.State));
    }

    private static IEnumerable<JobMessage> SyntheticJobs(string sweepId, int count) =>
        Enumerable.Range(0, count).Select(i => new JobMessage(sweepId, $"job-{i:D5}", JobKind.Model,
            Model: new ModelSpec("resnet(1,1,1,1)", 1, "fashion-mnist", i, true, 1000, new TrainSettings())));

    /// <summary>Every message on the Storage queue, received and deleted, as job ids.</summary>
    private static async Task<List<string>> ReceiveAllAsync(TestPlatform env)
    {
        var ids = new List<string>();
        while ((await env.Queue.Queue.ReceiveMessagesAsync(32)).Value is { Length: > 0 } batch)
            foreach (var m in batch)
            {
                ids.Add(JobMessageParser.Parse(m.Body.ToString()).Message!.JobId);
                await env.Queue.Queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
            }
        return ids;
    }
}
