namespace Stitching.GpuRunner.Stitches;

/// <summary>What training one stitch produced: test accuracy (fraction) and loss, epochs run (fractional when early stopping ends mid-epoch), best held-out accuracy.</summary>
public sealed record StitchOutcome(double Accuracy, double Loss, double Epochs, double HoldoutAccuracy);
