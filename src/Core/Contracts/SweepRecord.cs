namespace Stitching.Core.Contracts;

/// <summary>A submitted sweep as stored in the sweeps table.</summary>
public sealed record SweepRecord(string Id, string? Name, SweepSpec Spec, DateTimeOffset CreatedAt, SweepState State, int ModelJobs, int StitchJobs)
{
    public int TotalJobs => ModelJobs + StitchJobs;
}
