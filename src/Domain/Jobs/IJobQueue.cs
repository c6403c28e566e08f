using Stitching.Domain.Contracts;

namespace Stitching.Domain.Jobs;

/// <summary>The job queue: Service Bus in Azure, Storage Queues where Service Bus is not available (Azurite, tests).</summary>
public interface IJobQueue
{
    Task SendBatchAsync(IEnumerable<JobMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Waits up to <paramref name="maxWait"/> for a message and locks it; null when none came.</summary>
    Task<IJobLease?> ReceiveAsync(TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes up to <paramref name="maxMessages"/> messages from the dead-letter queue (Service Bus's own, with the reason
    /// it gives, e.g. MaxDeliveryCountExceeded; or the Storage backend's <c>-poison</c> queue), locked for
    /// <see cref="DeadLetter.RemoveAsync"/>; empty when there are none.
    /// </summary>
    Task<IReadOnlyList<DeadLetter>> ReceiveDeadLettersAsync(int maxMessages, CancellationToken cancellationToken = default);

    /// <summary>
    /// How many messages a runner could receive now, counting at most <paramref name="atMost"/> (1..32): what the
    /// offline job scaler starts runners for, as KEDA does from the queue length in Azure.
    /// </summary>
    Task<int> CountWaitingAsync(int atMost, CancellationToken cancellationToken = default);
}
