namespace Stitching.Engine.Research;

/// <summary>
/// What training a copy stitch produced: epochs run (fractional when the stopping rule ended it mid-epoch), whether the
/// rule ended it (false: it ran to the cap, or nothing was held out), the mean training MSE of its last epoch and the
/// held-out MSE of the kept weights (NaN without a held-out split).
/// </summary>
public sealed record CopyOutcome(double Epochs, bool Converged, double TrainMse, double HoldoutMse);
