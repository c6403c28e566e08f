using Stitching.Domain.Jobs;
namespace Stitching.Platform.Queues;

/// <summary>Bound from <c>Stitching:Queue</c>.</summary>
public sealed class JobQueueOptions
{
    public const string Section = "Stitching:Queue";

    /// <summary>"servicebus" or "storage".</summary>
    public string Backend { get; set; } = "storage";
    /// <summary>Fully qualified namespace (e.g. stitching.servicebus.windows.net), reached with the managed identity.</summary>
    public string? ServiceBusNamespace { get; set; }
    /// <summary>Service Bus connection string: for the Service Bus emulator only.</summary>
    public string? ConnectionString { get; set; }
    public string QueueName { get; set; } = "stitch-jobs";
    /// <summary>Deliveries after which a failing job is dead-lettered and recorded Failed.</summary>
    public int MaxDeliveries { get; set; } = 5;
    /// <summary>How long a received message stays invisible to other workers between renewals.</summary>
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Delay before a message whose job cannot run yet (models missing, another worker on it) is seen again.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>
    /// Deferred copies of one job after which the next is dead-lettered (DeferralLimitExceeded) instead: each copy is
    /// another runner start, so a job whose models never come cannot bounce forever. 100 is about an hour of 30 s waits,
    /// or the 2 x lock lease of a job another runner holds renewed 50 times (over 8 h with the deployed 5 min lock).
    /// </summary>
    public int MaxDeferrals { get; set; } = 100;

    public bool UsesServiceBus => Backend.Equals("servicebus", StringComparison.OrdinalIgnoreCase);
}
