namespace Stitching.Core.Contracts;

/// <summary>A sweep is Active until cancelled; "finished" is derived from its job counts, not stored.</summary>
public enum SweepState
{
    Active,
    Cancelled,
}
