namespace Stitching.Domain.Jobs;

/// <summary>What one delivery came to.</summary>
public enum JobOutcome
{
    /// <summary>Work ran and its result is stored.</summary>
    Done,
    /// <summary>The job was already finished (a duplicate delivery); the message was completed.</summary>
    Duplicate,
    /// <summary>The sweep is cancelled; the message was completed without work.</summary>
    Cancelled,
    /// <summary>The job cannot run yet (models missing, another worker holds it); the message was completed and a fresh copy comes back later.</summary>
    Deferred,
    /// <summary>The work failed and will be retried.</summary>
    Retried,
    /// <summary>The message was dead-lettered (malformed, invalid, or out of deliveries).</summary>
    DeadLettered,
    /// <summary>The queue lock was lost mid-job; whoever holds the message now runs it.</summary>
    LockLost,
}
