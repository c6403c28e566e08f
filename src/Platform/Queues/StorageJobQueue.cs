using System.Text.Json;
using Azure.Storage.Queues;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;

namespace Stitching.Platform.Queues;

/// <summary>
/// A job queue over Azure Storage Queues. The visibility timeout is the lock, UpdateMessage renews it,
/// DequeueCount counts deliveries, and a sibling "{queue}-poison" queue is the dead-letter queue.
/// Unlike Service Bus there is no duplicate detection: the jobs table's ETag claim makes duplicates harmless.
/// </summary>
public sealed class StorageJobQueue(QueueClient queue, QueueClient poison, TimeSpan lockDuration) : IJobQueue
{
    public QueueClient Queue { get; } = queue;
    public QueueClient Poison { get; } = poison;

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        await Queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await Poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
    }

    public async Task SendBatchAsync(IEnumerable<JobMessage> messages, CancellationToken cancellationToken = default)
    {
        // The queue service has no batch send; a few requests in flight keep a large fan-out reasonably quick.
        await Parallel.ForEachAsync(messages, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken },
            async (m, ct) => await Queue.SendMessageAsync(JobMessageParser.Serialize(m), visibilityTimeout: null, timeToLive: NeverExpires, ct));
    }

    /// <summary>
    /// A Storage queue drops a message at its time-to-live (7 days unless told) without a dead letter, which would leave
    /// its row Queued and Sent for good: a job waiting behind a long sweep must wait, not vanish. -1 s: never expires.
    /// (Service Bus dead-letters an expired message instead, which the timer turns into a Failed row: infra/main.bicep's jobMessageTimeToLive.)
    /// </summary>
    internal static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    public async Task<IJobLease?> ReceiveAsync(TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + maxWait;
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            var received = await Queue.ReceiveMessageAsync(lockDuration, cancellationToken);
            if (received.Value is { } m) return new StorageJobLease(this, m, lockDuration);
            if (DateTime.UtcNow >= deadline) return null;
            // Queues are polled; back off so idle runners do not hammer the account.
            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
        }
    }

    /// <summary>Peek sees only visible messages: those locked by a runner or scheduled for later are not waiting.</summary>
    public async Task<int> CountWaitingAsync(int atMost, CancellationToken cancellationToken = default) =>
        (await Queue.PeekMessagesAsync(Math.Clamp(atMost, 1, 32), cancellationToken)).Value.Length;

    /// <summary>Poison entries are envelopes (<see cref="DeadLetterEnvelope"/>); anything else is reported as it is.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ReceiveDeadLettersAsync(int maxMessages, CancellationToken cancellationToken = default)
    {
        var received = await Poison.ReceiveMessagesAsync(Math.Clamp(maxMessages, 1, 32), lockDuration, cancellationToken);
        return received.Value.Select(m =>
        {
            Func<CancellationToken, Task> remove = ct => Poison.DeleteMessageAsync(m.MessageId, m.PopReceipt, ct);
            var text = m.Body.ToString();
            try
            {
                if (JsonSerializer.Deserialize(text, PlatformJsonContext.Default.DeadLetterEnvelope) is { Reason: not null, Body: not null } e)
                    return new DeadLetter(e.Body, e.Reason, e.Description ?? "", remove);
            }
            catch (JsonException)
            {
            }
            return new DeadLetter(text, "DeadLettered", "", remove);
        }).ToList();
    }
}
