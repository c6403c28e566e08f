using Azure.Messaging.ServiceBus;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;

namespace Stitching.Platform.Queues;

/// <summary>A PeekLock-received Service Bus message.</summary>
public sealed class ServiceBusJobLease : IJobLease
{
    private readonly ServiceBusReceiver _receiver;
    private readonly ServiceBusSender _sender;
    private readonly ServiceBusReceivedMessage _message;

    public ServiceBusJobLease(ServiceBusReceiver receiver, ServiceBusSender sender, ServiceBusReceivedMessage message)
    {
        _receiver = receiver;
        _sender = sender;
        _message = message;
        Body = message.Body.ToString();
        (Message, ParseError) = JobMessageParser.Parse(Body);
    }

    public JobMessage? Message { get; }
    public string? ParseError { get; }
    public string Body { get; }
    public int DeliveryCount => _message.DeliveryCount;

    public Task CompleteAsync(CancellationToken cancellationToken = default) => _receiver.CompleteMessageAsync(_message, cancellationToken);

    /// <summary>
    /// Service Bus has no "abandon with delay"; a short wait before abandoning spaces retries out without
    /// holding the lock past its duration.
    /// </summary>
    public async Task AbandonAsync(TimeSpan delay, CancellationToken cancellationToken = default)
    {
        var wait = TimeSpan.FromTicks(Math.Min(delay.Ticks, TimeSpan.FromSeconds(5).Ticks));
        await Task.Delay(wait, cancellationToken);
        await _receiver.AbandonMessageAsync(_message, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// A scheduled copy under a new message id (duplicate detection would drop one with the job's id), then completion.
    /// Abandoning instead would count a delivery each time, and Service Bus dead-letters at max deliveries on its own.
    /// </summary>
    public async Task DeferAsync(TimeSpan delay, CancellationToken cancellationToken = default)
    {
        var copy = new ServiceBusMessage(_message) { MessageId = Guid.NewGuid().ToString("N"), Body = BinaryData.FromString(JobMessageParser.DeferredCopy(Message)) };
        await _sender.ScheduleMessageAsync(copy, DateTimeOffset.UtcNow + delay, cancellationToken);
        await _receiver.CompleteMessageAsync(_message, cancellationToken);
    }

    public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default) =>
        // Service Bus caps both properties at 4096 characters.
        _receiver.DeadLetterMessageAsync(_message, Cap(reason), Cap(description), cancellationToken);

    public Task RenewLockAsync(CancellationToken cancellationToken = default) => _receiver.RenewMessageLockAsync(_message, cancellationToken);

    private static string Cap(string text) => text.Length <= 4000 ? text : text[..4000];
}
