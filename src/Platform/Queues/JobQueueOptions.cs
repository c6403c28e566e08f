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

    public bool UsesServiceBus => Backend.Equals("servicebus", StringComparison.OrdinalIgnoreCase);
}
