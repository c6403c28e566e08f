using System.Text.Json;
using Azure.Storage.Queues.Models;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;

namespace Stitching.Platform.Queues;

/// <summary>A received Storage-queue message; every update changes its pop receipt, which is kept here.</summary>
public sealed class StorageJobLease : IJobLease
{
    private readonly StorageJobQueue _queue;
    private readonly TimeSpan _lockDuration;
    private readonly string _messageId;
    private string _popReceipt;

    public StorageJobLease(StorageJobQueue queue, QueueMessage message, TimeSpan lockDuration)
    {
        _queue = queue;
        _lockDuration = lockDuration;
        _messageId = message.MessageId;
        _popReceipt = message.PopReceipt;
        Body = message.Body.ToString();
        DeliveryCount = (int)message.DequeueCount;
        (Message, ParseError) = JobMessageParser.Parse(Body);
    }

    public JobMessage? Message { get; }
    public string? ParseError { get; }
    public string Body { get; }
    public int DeliveryCount { get; }

    public Task CompleteAsync(CancellationToken cancellationToken = default) =>
        _queue.Queue.DeleteMessageAsync(_messageId, _popReceipt, cancellationToken);

    public async Task AbandonAsync(TimeSpan delay, CancellationToken cancellationToken = default) =>
        _popReceipt = (await _queue.Queue.UpdateMessageAsync(_messageId, _popReceipt, visibilityTimeout: delay, cancellationToken: cancellationToken)).Value.PopReceipt;

    /// <summary>A new message with a visibility delay (its dequeue count starts again), then deletion of this one.</summary>
    public async Task DeferAsync(TimeSpan delay, CancellationToken cancellationToken = default)
    {
        await _queue.Queue.SendMessageAsync(JobMessageParser.DeferredCopy(Message), visibilityTimeout: delay, timeToLive: StorageJobQueue.NeverExpires, cancellationToken: cancellationToken);
        await CompleteAsync(cancellationToken);
    }

    public async Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default)
    {
        var envelope = new DeadLetterEnvelope(reason, description, Body, DateTimeOffset.UtcNow);
        await _queue.Poison.SendMessageAsync(JsonSerializer.Serialize(envelope, PlatformJsonContext.Default.DeadLetterEnvelope), visibilityTimeout: null,
            timeToLive: StorageJobQueue.NeverExpires, cancellationToken);
        await CompleteAsync(cancellationToken);
    }

    public async Task RenewLockAsync(CancellationToken cancellationToken = default) =>
        _popReceipt = (await _queue.Queue.UpdateMessageAsync(_messageId, _popReceipt, visibilityTimeout: _lockDuration, cancellationToken: cancellationToken)).Value.PopReceipt;
}
