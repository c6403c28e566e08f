namespace Stitching.Domain.Contracts;

/// <summary>Body of the 202 answer to a submitted sweep.</summary>
public sealed record SweepAccepted(string SweepId, int ModelJobs, int StitchJobs, int Stitches, string StatusUrl);
