namespace Stitching.FaultRunner;

/// <summary>Bound from <c>FaultRunner</c>: how long the fake work takes.</summary>
public sealed class SteppedExecutorOptions
{
    public const string Section = "FaultRunner";

    /// <summary>Milliseconds of "training" per stitch epoch; the stitch's epochs come from the sweep spec.</summary>
    public int EpochMs { get; set; } = 200;
    /// <summary>Milliseconds to "train" a base model.</summary>
    public int ModelMs { get; set; } = 100;
}
