namespace Stitching.Platform.Security;

/// <summary>
/// An Azure built-in role, with what it allows on one service, as far as this platform uses it.
/// Ids: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
/// </summary>
public sealed record BuiltInRole(string Name, Guid Id, PlatformService Service, DataOperations Allows)
{
    private const DataOperations BlobAll = DataOperations.Read | DataOperations.List | DataOperations.Create | DataOperations.Write | DataOperations.Delete | DataOperations.CreateResource;

    public static readonly BuiltInRole StorageBlobDataReader = new("Storage Blob Data Reader", new("2a2b9908-6ea1-4ae2-8e65-a410df84e7d1"), PlatformService.Blob,
        DataOperations.Read | DataOperations.List);
    public static readonly BuiltInRole StorageBlobDataContributor = new("Storage Blob Data Contributor", new("ba92f5b4-2d11-453d-a403-e96b0029c9fe"), PlatformService.Blob, BlobAll);
    /// <summary>Contributor plus POSIX ACLs and ownership; what the Flex Consumption samples give the host's identity.</summary>
    public static readonly BuiltInRole StorageBlobDataOwner = new("Storage Blob Data Owner", new("b7e6dc6d-f1e8-4753-8033-0f276bb0955b"), PlatformService.Blob, BlobAll);

    public static readonly BuiltInRole StorageTableDataReader = new("Storage Table Data Reader", new("76199698-9eea-4c19-bc75-cec21354c6b6"), PlatformService.Table,
        DataOperations.Read);
    public static readonly BuiltInRole StorageTableDataContributor = new("Storage Table Data Contributor", new("0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3"), PlatformService.Table,
        DataOperations.Read | DataOperations.Add | DataOperations.Update | DataOperations.Delete | DataOperations.CreateResource);

    public static readonly BuiltInRole StorageQueueDataReader = new("Storage Queue Data Reader", new("19e7f393-937e-4f77-808e-94535e297925"), PlatformService.Queue,
        DataOperations.Read);
    public static readonly BuiltInRole StorageQueueDataMessageSender = new("Storage Queue Data Message Sender", new("c6a89b2d-59bc-44d0-9896-0f6e12d7b80a"), PlatformService.Queue,
        DataOperations.Add);
    /// <summary>Peek, get and delete; not update, so a runner cannot renew or abandon with it.</summary>
    public static readonly BuiltInRole StorageQueueDataMessageProcessor = new("Storage Queue Data Message Processor", new("8a0f0c08-91a1-4084-bc3d-661d67233fed"), PlatformService.Queue,
        DataOperations.Read | DataOperations.Process);
    public static readonly BuiltInRole StorageQueueDataContributor = new("Storage Queue Data Contributor", new("974c5e8b-45b9-4653-ba55-5f855dd0fb88"), PlatformService.Queue,
        DataOperations.Read | DataOperations.Add | DataOperations.Update | DataOperations.Process | DataOperations.Delete | DataOperations.CreateResource);

    public static readonly BuiltInRole ServiceBusDataSender = new("Azure Service Bus Data Sender", new("69a216fc-b8fb-44d8-bc22-1f3c2cd27a39"), PlatformService.ServiceBus,
        DataOperations.Send);
    public static readonly BuiltInRole ServiceBusDataReceiver = new("Azure Service Bus Data Receiver", new("4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0"), PlatformService.ServiceBus,
        DataOperations.Receive);
    public static readonly BuiltInRole ServiceBusDataOwner = new("Azure Service Bus Data Owner", new("090c5cfd-751d-490a-894a-3ce6f1109419"), PlatformService.ServiceBus,
        DataOperations.Send | DataOperations.Receive | DataOperations.Manage);

    public static readonly BuiltInRole AcrPull = new("AcrPull", new("7f951dda-4ed3-4680-a7ca-43fe172d538d"), PlatformService.Registry, DataOperations.Pull);
    public static readonly BuiltInRole MonitoringMetricsPublisher = new("Monitoring Metrics Publisher", new("3913510d-42f4-4e42-8a64-420c390055eb"), PlatformService.Monitoring,
        DataOperations.Publish);

    /// <summary>Every role above, weakest first within each service (the order <see cref="PlatformRoles"/> picks from).</summary>
    public static IReadOnlyList<BuiltInRole> All { get; } =
    [
        StorageBlobDataReader, StorageBlobDataContributor, StorageBlobDataOwner,
        StorageTableDataReader, StorageTableDataContributor,
        StorageQueueDataReader, StorageQueueDataMessageSender, StorageQueueDataMessageProcessor, StorageQueueDataContributor,
        ServiceBusDataSender, ServiceBusDataReceiver, ServiceBusDataOwner,
        AcrPull, MonitoringMetricsPublisher,
    ];

    public bool Grants(DataOperations operations) => (Allows & operations) == operations;

    /// <summary>Whether holding this role makes <paramref name="other"/> redundant: a weaker role of the same service whose operations it all allows.</summary>
    public bool Includes(BuiltInRole other) =>
        other != this && other.Service == Service && Grants(other.Allows) && Rank(other) < Rank(this);

    private static int Rank(BuiltInRole role)
    {
        for (var i = 0; i < All.Count; i++)
            if (All[i] == role) return i;
        return -1;
    }
}
