namespace Stitching.Engine.Sweeps;

/// <summary>Stitches finished out of the sweep's total, and what is being worked on now.</summary>
public sealed record SweepProgress(int Done, int Total, string Current);
