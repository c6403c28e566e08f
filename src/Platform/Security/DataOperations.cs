namespace Stitching.Platform.Security;

/// <summary>Data-plane operations, named after the storage SAS permissions where one exists.</summary>
[Flags]
public enum DataOperations
{
    None = 0,
    /// <summary>Blob: download, exists, properties. Table: query, get entity. Queue: peek.</summary>
    Read = 1 << 0,
    /// <summary>Blob: list a container.</summary>
    List = 1 << 1,
    /// <summary>Blob: upload a new blob.</summary>
    Create = 1 << 2,
    /// <summary>Blob: overwrite a blob or its metadata.</summary>
    Write = 1 << 3,
    /// <summary>Blob, table entity or queue message: delete.</summary>
    Delete = 1 << 4,
    /// <summary>Table: insert (an upsert is Add + Update). Queue: put a message.</summary>
    Add = 1 << 5,
    /// <summary>Table: update or merge. Queue: change a message's visibility (renew or abandon).</summary>
    Update = 1 << 6,
    /// <summary>Queue: get (dequeue) and delete messages.</summary>
    Process = 1 << 7,
    /// <summary>Creates the container, table or queue itself if missing (the code's CreateIfNotExists at start-up).</summary>
    CreateResource = 1 << 8,
    /// <summary>Service Bus: send or schedule a message.</summary>
    Send = 1 << 9,
    /// <summary>Service Bus: receive, complete, abandon, dead-letter, renew; the dead-letter subqueue too.</summary>
    Receive = 1 << 10,
    /// <summary>Service Bus: read the queue's runtime properties (message counts), which only the Manage claim gives.</summary>
    Manage = 1 << 11,
    /// <summary>Registry: pull an image.</summary>
    Pull = 1 << 12,
    /// <summary>Monitoring: publish telemetry.</summary>
    Publish = 1 << 13,
}
