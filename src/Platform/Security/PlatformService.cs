namespace Stitching.Platform.Security;

/// <summary>A service whose data-plane rights are granted per component.</summary>
public enum PlatformService
{
    Blob,
    Table,
    /// <summary>Storage queues (<c>stitch-jobs</c>, <c>stitch-jobs-poison</c>).</summary>
    Queue,
    ServiceBus,
    /// <summary>The container registry the runner image is pulled from.</summary>
    Registry,
    /// <summary>Application Insights with local auth off: telemetry is published with Entra ID.</summary>
    Monitoring,
}
