namespace Stitching.Platform.Security;

/// <summary>Which job queue a deployment uses (<c>Stitching:Queue:Backend</c>); the queue rights follow it.</summary>
public enum QueueBackend
{
    ServiceBus,
    Storage,
}
