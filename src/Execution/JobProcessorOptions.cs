using Stitching.Domain.Jobs;
namespace Stitching.Execution;

/// <summary>How a worker treats its deliveries; bound from <c>Stitching:Queue</c> and <c>Stitching:Worker</c>.</summary>
public sealed class JobProcessorOptions
{
    public const string Section = "Stitching:Worker";

    /// <summary>Written into a claimed job row, so a stuck job shows which runner holds it.</summary>
    public string WorkerId { get; set; } = $"{Environment.MachineName}-{Environment.ProcessId}";
    /// <summary>Local cache of checkpoints, kept across jobs so a runner downloads each model once.</summary>
    public string CheckpointDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "stitching-checkpoints");
    /// <summary>How long one receive waits for a message; in job mode (<c>--max-jobs</c>) an empty receive ends the runner.</summary>
    public TimeSpan ReceiveWait { get; set; } = TimeSpan.FromSeconds(20);
    public int MaxDeliveries { get; set; } = 5;
    /// <summary>
    /// A failed job throws the engine's exception to the caller (its row marked Failed) instead of being retried or
    /// dead-lettered: for a local sweep, where the caller is the person waiting for it.
    /// </summary>
    public bool FailFast { get; set; }
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromMinutes(1);
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);
    /// <summary>Deferrals before a job is dead-lettered with <see cref="JobRow.DeferralLimitExceeded"/> (the queue options' MaxDeferrals).</summary>
    public int MaxDeferrals { get; set; } = 100;
    /// <summary>
    /// How often, at most, a stitch group's or a model's training progress is saved (at an epoch's end) and uploaded to the checkpoint
    /// store, so a redelivered job resumes there instead of from the start; zero: every epoch.
    /// </summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(30);
}
