using Stitching.Core.Contracts;

namespace Stitching.Core.Queues;

/// <summary>The job queue: Service Bus in Azure, Storage Queues where Service Bus is not available (Azurite, tests).</summary>
public interface IJobQueue
{
    Task SendBatchAsync(IEnumerable<JobMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Waits up to <paramref name="maxWait"/> for a message and locks it; null when none came.</summary>
    Task<IJobLease?> ReceiveAsync(TimeSpan maxWait, CancellationToken cancellationToken = default);
}
