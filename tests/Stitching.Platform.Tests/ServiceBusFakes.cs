using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;

namespace Stitching.Platform.Tests;

/// <summary>
/// A Service Bus sender that records what it sends and schedules (no network; there is no emulator here): the real
/// <see cref="Stitching.Platform.Queues.ServiceBusJobQueue"/> and lease code build the batches and copies.
/// </summary>
public sealed class RecordingServiceBusSender : ServiceBusSender
{
    private readonly ConcurrentDictionary<ServiceBusMessageBatch, List<ServiceBusMessage>> _batches = new();

    public ConcurrentQueue<ServiceBusMessage> Sent { get; } = new();
    public ConcurrentQueue<(ServiceBusMessage Message, DateTimeOffset At)> Scheduled { get; } = new();

    /// <summary>The job id of each message sent, from its "{sweepId}:{jobId}" message id.</summary>
    public List<string> JobIds() => Sent.Select(m => m.MessageId.Split(':')[1]).ToList();

    public override ValueTask<ServiceBusMessageBatch> CreateMessageBatchAsync(CancellationToken cancellationToken = default)
    {
        var store = new List<ServiceBusMessage>();
        var batch = ServiceBusModelFactory.ServiceBusMessageBatch(256 * 1024, store);
        _batches[batch] = store;
        return ValueTask.FromResult(batch);
    }

    public override Task SendMessagesAsync(ServiceBusMessageBatch messageBatch, CancellationToken cancellationToken = default)
    {
        foreach (var m in _batches[messageBatch]) Sent.Enqueue(m);
        return Task.CompletedTask;
    }

    public override Task<long> ScheduleMessageAsync(ServiceBusMessage message, DateTimeOffset scheduledEnqueueTime, CancellationToken cancellationToken = default)
    {
        Scheduled.Enqueue((message, scheduledEnqueueTime));
        return Task.FromResult((long)Scheduled.Count);
    }
}

/// <summary>A receiver that receives nothing (the timer finds no dead letters) and records the messages completed.</summary>
public sealed class RecordingServiceBusReceiver : ServiceBusReceiver
{
    public ConcurrentQueue<ServiceBusReceivedMessage> Completed { get; } = new();

    public override Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ServiceBusReceivedMessage>>([]);

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        Completed.Enqueue(message);
        return Task.CompletedTask;
    }
}
