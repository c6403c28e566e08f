namespace Stitching.Domain.Contracts;

/// <summary>A submitted sweep as stored in the sweeps table. A stitch job trains a group of stitches (<see cref="Sweeps.StitchGroup"/>).</summary>
public sealed record SweepRecord(string Id, string? Name, SweepSpec Spec, DateTimeOffset CreatedAt, SweepState State, int ModelJobs, int StitchJobs, int Stitches = 0)
{
    public int TotalJobs => ModelJobs + StitchJobs;
}
