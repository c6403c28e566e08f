namespace Stitching.Domain.Contracts;

/// <summary>Life of a job row: Queued -> Running (claimed) -> Done | Failed; Cancelled when its sweep is.</summary>
public enum JobState
{
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}
