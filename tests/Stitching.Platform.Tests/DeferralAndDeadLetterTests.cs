using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Functions.Maintenance;
using Stitching.Platform.Processing;

namespace Stitching.Platform.Tests;

/// <summary>
/// Waiting for models costs no delivery attempts, and whatever the queue dead-letters on its own ends as a Failed row
/// with its reason: the real JobProcessor, queue and recovery timer against Azurite.
/// </summary>
public sealed class DeferralAndDeadLetterTests
{
    [AzuriteFact]
    public async Task A_stitch_job_whose_models_are_not_ready_is_deferred_as_a_fresh_message_without_using_up_deliveries()
    {
        // Given max 2 deliveries, and a stitch job on the queue before its models exist
        await using var env = await TestPlatform.CreateAsync(maxDeliveries: 2);
        var id = await env.SubmitAsync();
        await env.Queue.Queue.ClearMessagesAsync();
        var stitch = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).First(j => j.Kind == JobKind.Stitch);
        await env.Platform.Queue.SendBatchAsync([stitch.Message]);
        var processor = env.Processor(new FakeExecutor());

        // When it is received five times, more than max deliveries
        for (var i = 0; i < 5; i++)
        {
            var lease = await ReceiveAsync(env);
            // Then each delivery is the first of a fresh message, and each is deferred
            Assert.Equal(1, lease.DeliveryCount);
            Assert.Equal(JobOutcome.Deferred, await processor.ProcessAsync(lease));
        }

        // and nothing was dead-lettered: the row is still Queued, one copy of the message waits
        Assert.Empty((await env.Queue.Poison.PeekMessagesAsync(32)).Value);
        Assert.Equal(JobState.Queued, (await env.Platform.Storage.GetJobAsync(id, stitch.JobId))!.State);
        Assert.Equal(1, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [AzuriteFact]
    public async Task A_message_delivered_more_than_max_deliveries_by_runners_that_died_is_dead_lettered_and_its_row_failed()
    {
        // Given a model job whose first two deliveries went to runners that died (no complete, no abandon)
        await using var env = await TestPlatform.CreateAsync(maxDeliveries: 2);
        var id = await env.SubmitAsync();
        await env.Queue.Queue.ClearMessagesAsync();
        var model = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).First(j => j.Kind == JobKind.Model);
        await env.Platform.Queue.SendBatchAsync([model.Message]);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        for (var taken = 0; taken < 2;)
        {
            Assert.True(DateTime.UtcNow < until, "the message did not come back after its 1 s lock");
            if ((await env.Queue.Queue.ReceiveMessageAsync(TimeSpan.FromSeconds(1))).Value is not null) taken++;
            else await Task.Delay(200);
        }

        // When a live runner receives it a third time
        var lease = await ReceiveAsync(env);
        var executor = new FakeExecutor();
        var outcome = await env.Processor(executor).ProcessAsync(lease);

        // Then it is dead-lettered as Service Bus would, without running, and the row says why
        Assert.Equal(3, lease.DeliveryCount);
        Assert.Equal(JobOutcome.DeadLettered, outcome);
        Assert.Empty(executor.Models);
        var row = (await env.Platform.Storage.GetJobAsync(id, model.JobId))!;
        Assert.Equal(JobState.Failed, row.State);
        Assert.StartsWith("MaxDeliveryCountExceeded: Delivered 3 times", row.Error);
    }

    [AzuriteFact]
    public async Task A_message_dead_lettered_behind_the_platforms_back_ends_as_a_failed_row_with_its_reason_once_the_timer_runs()
    {
        // Given a model job that the queue dead-lettered on its own, as Service Bus does at max deliveries: its row still says Queued
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        var model = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).First(j => j.Kind == JobKind.Model);
        var envelope = new DeadLetterEnvelope("MaxDeliveryCountExceeded", "Message could not be consumed after 5 delivery attempts.",
            JsonSerializer.Serialize(model.Message, PlatformJsonContext.Default.JobMessage), DateTimeOffset.UtcNow);
        await env.Queue.Poison.SendMessageAsync(JsonSerializer.Serialize(envelope, PlatformJsonContext.Default.DeadLetterEnvelope));
        await env.Queue.Poison.SendMessageAsync("not a job at all");
        Assert.Equal(JobState.Queued, (await env.Platform.Storage.GetJobAsync(id, model.JobId))!.State);

        // When the recovery timer fires
        await new RecoverSweeps(env.Platform.Coordinator, NullLogger<RecoverSweeps>.Instance).RunAsync(new TimerInfo(), default);

        // Then the row is Failed with the reason, the stitches that needed the model failed with it, and the dead letters are consumed
        var row = (await env.Platform.Storage.GetJobAsync(id, model.JobId))!;
        Assert.Equal(JobState.Failed, row.State);
        Assert.Equal("MaxDeliveryCountExceeded: Message could not be consumed after 5 delivery attempts.", row.Error);
        var status = (await env.Platform.Queries.GetStatusAsync(id))!;
        Assert.Equal(5, status.Failed); // the model and the 4 stitches between the sweep's two models
        Assert.All(status.Failures, f => Assert.Contains("MaxDeliveryCountExceeded", f.Error));
        Assert.Equal(0, (await env.Queue.Poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // and a second pass changes nothing
        Assert.False((await env.Platform.Coordinator.Recovery.RecoverAsync()).DidAnything);
    }

    [AzuriteFact]
    public async Task A_job_deferred_max_deferrals_times_is_dead_lettered_with_the_reason_and_its_row_failed()
    {
        // Given max 2 deferrals, and a stitch job on the queue whose models never come
        await using var env = await TestPlatform.CreateAsync(maxDeferrals: 2);
        var id = await env.SubmitAsync();
        await env.Queue.Queue.ClearMessagesAsync();
        var stitch = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).First(j => j.Kind == JobKind.Stitch);
        await env.Platform.Queue.SendBatchAsync([stitch.Message]);
        var processor = env.Processor(new FakeExecutor());

        // When it is received three times
        var outcomes = new List<(int Deferrals, JobOutcome Outcome)>();
        for (var i = 0; i < 3; i++)
        {
            var lease = await ReceiveAsync(env);
            outcomes.Add((lease.Message!.Deferrals, await processor.ProcessAsync(lease)));
        }

        // Then each copy counted one more deferral, and the third was dead-lettered with the reason, which its row keeps
        Assert.Equal([(0, JobOutcome.Deferred), (1, JobOutcome.Deferred), (2, JobOutcome.DeadLettered)], outcomes);
        var row = (await env.Platform.Storage.GetJobAsync(id, stitch.JobId))!;
        Assert.Equal(JobState.Failed, row.State);
        Assert.StartsWith("DeferralLimitExceeded: Deferred 2 times (max 2, Stitching:Queue:MaxDeferrals); the last time because its models are not trained yet", row.Error);
        var poison = Assert.Single((await env.Queue.Poison.PeekMessagesAsync(32)).Value);
        Assert.Equal("DeferralLimitExceeded", JsonSerializer.Deserialize(poison.Body.ToString(), PlatformJsonContext.Default.DeadLetterEnvelope)!.Reason);
        Assert.Equal(0, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // and the timer consumes the dead letter, leaving the row as the runner recorded it
        await env.Platform.Coordinator.Recovery.ReconcileDeadLettersAsync();
        Assert.Equal(0, (await env.Queue.Poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        Assert.Equal(row.Error, (await env.Platform.Storage.GetJobAsync(id, stitch.JobId))!.Error);
    }

    [AzuriteFact]
    public async Task A_surplus_copy_of_a_running_job_dead_lettered_at_the_deferral_limit_leaves_the_row_to_its_worker()
    {
        // Given a model job another worker runs (live lease), and a copy of its message already deferred the maximum number of times
        await using var env = await TestPlatform.CreateAsync(maxDeferrals: 3);
        var id = await env.SubmitAsync();
        await env.Queue.Queue.ClearMessagesAsync();
        var model = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).First(j => j.Kind == JobKind.Model);
        await env.Platform.Storage.UpdateJobAsync(id, model.JobId, j => j with { State = JobState.Running, ClaimedBy = "alive", LeaseUntil = DateTimeOffset.UtcNow.AddMinutes(5) });
        await env.Platform.Queue.SendBatchAsync([model.Message with { Deferrals = 3 }]);

        // When a runner receives the copy, and the timer reconciles its dead letter
        var outcome = await env.Processor(new FakeExecutor(), "w2").ProcessAsync(await ReceiveAsync(env));
        await env.Platform.Coordinator.Recovery.ReconcileDeadLettersAsync();

        // Then the copy is dead-lettered, but the row stays the live worker's, and the stitches that need the model wait on
        Assert.Equal(JobOutcome.DeadLettered, outcome);
        var row = (await env.Platform.Storage.GetJobAsync(id, model.JobId))!;
        Assert.Equal((JobState.Running, "alive"), (row.State, row.ClaimedBy));
        Assert.Equal(0, (await env.Platform.Queries.GetStatusAsync(id))!.Failed);
    }

    [Fact]
    public async Task A_service_bus_deferral_schedules_a_copy_under_a_new_id_counting_one_more_deferral_and_completes_the_original()
    {
        // Given a received Service Bus message of a job already deferred once (the real lease over a recording sender and receiver)
        var job = new JobMessage("s1", "model-x", JobKind.Model, Model: new Stitching.Domain.Sweeps.ModelSpec("resnet(1,1,1,1)", 1, "fashion-mnist", 0, true, 1000, new TrainSettings()), Deferrals: 1);
        var received = Azure.Messaging.ServiceBus.ServiceBusModelFactory.ServiceBusReceivedMessage(
            BinaryData.FromString(Stitching.Domain.Jobs.JobMessageParser.Serialize(job)), messageId: "s1:model-x", deliveryCount: 1);
        var (sender, receiver) = (new RecordingServiceBusSender(), new RecordingServiceBusReceiver());
        var lease = new Stitching.Platform.Queues.ServiceBusJobLease(receiver, sender, received);

        // When it is deferred
        var before = DateTimeOffset.UtcNow;
        await lease.DeferAsync(TimeSpan.FromSeconds(30));

        // Then one copy is scheduled 30 s on, with a new message id and the deferral counted, and the original is completed
        var (copy, at) = Assert.Single(sender.Scheduled);
        Assert.NotEqual("s1:model-x", copy.MessageId);
        Assert.True(at >= before.AddSeconds(30));
        Assert.Equal(job with { Deferrals = 2 }, Stitching.Domain.Jobs.JobMessageParser.Parse(copy.Body.ToString()).Message);
        Assert.Same(received, Assert.Single(receiver.Completed));
    }

    private static async Task<Stitching.Domain.Jobs.IJobLease> ReceiveAsync(TestPlatform env)
    {
        // A deferred copy is visible after RetryDelay (300 ms); the deadline only bounds a hang.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < until)
            if (await env.Platform.Queue.ReceiveAsync(TimeSpan.FromSeconds(2)) is { } lease) return lease;
        throw new TimeoutException("no message became visible within 30 s");
    }
}
