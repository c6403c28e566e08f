namespace Stitching.Domain.Contracts;

/// <summary>
/// A big sweep is Planning while its job rows are written after submission; then Active until cancelled.
/// "Finished" is derived from the job counts, not stored.
/// </summary>
public enum SweepState
{
    Active,
    Cancelled,
    Planning,
}
