namespace Stitching.Domain.Results;

/// <summary>
/// One held-out check of a stitch's training: <see cref="Epoch"/> is fractional (steps run / steps per epoch, 0 = the
/// initialization), <see cref="Loss"/> the mean held-out cross-entropy, <see cref="Accuracy"/> a fraction in [0, 1].
/// </summary>
public sealed record CurvePoint(double Epoch, double Loss, double Accuracy);
