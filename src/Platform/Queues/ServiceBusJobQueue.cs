using Azure.Messaging.ServiceBus;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;

namespace Stitching.Platform.Queues;

/// <summary>
/// A job queue over Service Bus: batched sends, PeekLock receives, lock renewal, dead-letter with reason.
/// The queue should have duplicate detection on; the message id is "{sweepId}:{jobId}" rather than the job id
/// alone because a model job id is the model's key, which two sweeps can share.
/// </summary>
public sealed class ServiceBusJobQueue(ServiceBusSender sender, ServiceBusReceiver receiver, ServiceBusReceiver deadLetters) : IJobQueue, IAsyncDisposable
{
    public async Task SendBatchAsync(IEnumerable<JobMessage> messages, CancellationToken cancellationToken = default)
    {
        var batch = await sender.CreateMessageBatchAsync(cancellationToken);
        try
        {
            foreach (var m in messages)
            {
                var message = ToServiceBus(m);
                if (batch.TryAddMessage(message)) continue;
                if (batch.Count == 0) throw new InvalidOperationException($"Job message {m.JobId} is larger than a Service Bus batch.");
                await sender.SendMessagesAsync(batch, cancellationToken);
                batch.Dispose();
                batch = await sender.CreateMessageBatchAsync(cancellationToken);
                if (!batch.TryAddMessage(message)) throw new InvalidOperationException($"Job message {m.JobId} is larger than a Service Bus batch.");
            }
            if (batch.Count > 0) await sender.SendMessagesAsync(batch, cancellationToken);
        }
        finally
        {
            batch.Dispose();
        }
    }

    public async Task<IJobLease?> ReceiveAsync(TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var message = await receiver.ReceiveMessageAsync(maxWait, cancellationToken);
        return message is null ? null : new ServiceBusJobLease(receiver, sender, message);
    }

    public async Task<IReadOnlyList<DeadLetter>> ReceiveDeadLettersAsync(int maxMessages, CancellationToken cancellationToken = default)
    {
        var messages = await deadLetters.ReceiveMessagesAsync(maxMessages, TimeSpan.FromSeconds(1), cancellationToken);
        return messages.Select(m => new DeadLetter(m.Body.ToString(), m.DeadLetterReason ?? "DeadLettered", m.DeadLetterErrorDescription ?? "",
            ct => deadLetters.CompleteMessageAsync(m, ct))).ToList();
    }

    /// <summary>Peek needs only Listen; it also sees locked messages, so a count may include jobs already being run.</summary>
    public async Task<int> CountWaitingAsync(int atMost, CancellationToken cancellationToken = default) =>
        (await receiver.PeekMessagesAsync(Math.Clamp(atMost, 1, 32), cancellationToken: cancellationToken)).Count;

    public async ValueTask DisposeAsync()
    {
        await sender.DisposeAsync();
        await receiver.DisposeAsync();
        await deadLetters.DisposeAsync();
    }

    /// <summary>
    /// The id Service Bus detects duplicates by: one per job and retry generation. A concurrent second send of the same
    /// job is dropped; a user's retry (a new generation) is not, which it would be within the detection window if the id
    /// were the job's alone, leaving the retried row Queued and Sent with no message, never to run.
    /// </summary>
    public static string MessageId(JobMessage m) => m.Retries == 0 ? $"{m.SweepId}:{m.JobId}" : $"{m.SweepId}:{m.JobId}:r{m.Retries}";

    private static ServiceBusMessage ToServiceBus(JobMessage m) => new(JobMessageParser.Serialize(m))
    {
        MessageId = MessageId(m),
        ContentType = "application/json",
        Subject = m.Kind,
        ApplicationProperties = { ["sweepId"] = m.SweepId },
    };
}
