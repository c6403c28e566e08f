using System.Text.Json;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.DevTools;
using Stitching.Platform.Processing;
using Stitching.Functions.Maintenance;

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
        var status = (await env.Platform.Coordinator.GetStatusAsync(id))!;
        Assert.Equal(5, status.Failed); // the model and the 4 stitches between the sweep's two models
        Assert.All(status.Failures, f => Assert.Contains("MaxDeliveryCountExceeded", f.Error));
        Assert.Equal(0, (await env.Queue.Poison.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // and a second pass changes nothing
        Assert.False((await env.Platform.Coordinator.RecoverAsync()).DidAnything);
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
