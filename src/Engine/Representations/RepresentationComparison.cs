namespace Stitching.Engine.Representations;

/// <summary>
/// How far a stitched activation is from the one the receiver expects, over all compared elements.
/// </summary>
/// <param name="Elements">Elements compared (N * C * H * W).</param>
/// <param name="Mse">Mean squared difference.</param>
/// <param name="NormalizedMse">MSE divided by the variance of the expected representation over all its elements: 1 is what predicting the mean would give.</param>
/// <param name="MeanShift">Mean over channels of |mean_actual - mean_expected| / std_expected, statistics per channel over (N, H, W).</param>
/// <param name="LogVarianceRatio">Mean over channels of |log(var_actual / var_expected)|.</param>
public sealed record RepresentationComparison(long Elements, double Mse, double NormalizedMse, double MeanShift, double LogVarianceRatio)
{
    /// <summary>
    /// MeanShift + LogVarianceRatio: 0 when every channel has the expected first two moments. A stitch can have a low MSE yet
    /// a large distance (e.g. it collapses the variance of low-energy channels), which shows its outputs are out of the
    /// distribution the receiver was trained on.
    /// </summary>
    public double DistributionDistance => MeanShift + LogVarianceRatio;
}
