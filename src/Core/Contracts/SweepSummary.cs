namespace Stitching.Core.Contracts;

/// <summary>One line of the sweep listing.</summary>
public sealed record SweepSummary(string SweepId, string? Name, SweepState State, DateTimeOffset CreatedAt, int ModelJobs, int StitchJobs);
