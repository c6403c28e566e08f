namespace Stitching.GpuRunner.Stitches;

/// <summary>What training one stitch produced: test accuracy (fraction) and loss, epochs run, best held-out accuracy.</summary>
public sealed record StitchOutcome(double Accuracy, double Loss, int Epochs, double HoldoutAccuracy);
