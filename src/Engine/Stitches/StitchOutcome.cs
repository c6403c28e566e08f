using Stitching.Domain.Results;
using Stitching.Reporting.Tables;

namespace Stitching.Engine.Stitches;

/// <summary>
/// What training one stitch produced: test accuracy (fraction) and loss, epochs run (fractional when early stopping ends
/// mid-epoch), held-out accuracy of the kept weights, and whether the stopping rule ended it (false: it ran to the cap,
/// or nothing was held out to decide), every held-out check it made, in order (empty when nothing was held out), and which
/// rule ended it (<see cref="StopReason"/>).
/// </summary>
public sealed record StitchOutcome(double Accuracy, double Loss, double Epochs, double HoldoutAccuracy, bool Converged, IReadOnlyList<CurvePoint> Curve,
    StopReason Stop = StopReason.Unrecorded);
