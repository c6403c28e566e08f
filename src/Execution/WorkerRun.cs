using Stitching.Domain.Jobs;
namespace Stitching.Execution;

/// <summary>What a runner's loop came to: messages handled, how many of them failed, and whether a stop interrupted one.</summary>
public sealed record WorkerRun(int Messages, int Failed, bool Interrupted)
{
    /// <summary>0 when every message was handled (done, duplicate, cancelled, deferred); 1 when a job failed
    /// (retried, dead-lettered, or its lock was lost); 143 (SIGTERM's) when a stop interrupted a job, whose message was handed back.</summary>
    public int ExitCode => Failed > 0 ? 1 : Interrupted ? 143 : 0;

    public static bool IsFailure(JobOutcome outcome) => outcome is JobOutcome.Retried or JobOutcome.DeadLettered or JobOutcome.LockLost;
}
