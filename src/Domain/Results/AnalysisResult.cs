namespace Stitching.Domain.Results;

/// <summary>
/// The analyses of one cell (one task-trained stitch) of a sweep: a row of analysis.csv. Accuracies are test-split
/// fractions; MSE and normalized MSE compare a stitch's output with the receiver's expected representation on the test
/// split (normalized: divided by that representation's variance, so 1 is what predicting its mean gives); distribution
/// distance is the per-channel mean/variance distance of the stitched activations from the expected ones
/// (RepresentationComparison.DistributionDistance). Metrics that were not asked for are NaN.
/// </summary>
public sealed record AnalysisResult(
    string Variant,
    string SenderArch,
    int SenderSeed,
    string SenderLayer,
    string ReceiverArch,
    int ReceiverSeed,
    string ReceiverLayer,
    int StitchSeed)
{
    /// <summary>Task-trained stitch (the sweep's stitch).</summary>
    public double TaskAccuracy { get; init; } = double.NaN;
    public double TaskMse { get; init; } = double.NaN;
    public double TaskNormalizedMse { get; init; } = double.NaN;
    public double TaskDistributionDistance { get; init; } = double.NaN;

    /// <summary>Stitch trained on the copying task (MSE to the expected representation).</summary>
    public double CopyAccuracy { get; init; } = double.NaN;
    public double CopyMse { get; init; } = double.NaN;
    public double CopyNormalizedMse { get; init; } = double.NaN;
    public double CopyDistributionDistance { get; init; } = double.NaN;
    /// <summary>Epochs the copy stitch trained (fractional when the held-out stopping rule ended it mid-epoch).</summary>
    public double CopyEpochs { get; init; } = double.NaN;
    /// <summary>Whether the held-out stopping rule ended the copy stitch's training (false: it ran to the epoch cap); null when not trained.</summary>
    public bool? CopyConverged { get; init; }
    /// <summary>MSE between the task-trained and the copy-trained stitch's outputs on the test split.</summary>
    public double TaskCopyMse { get; init; } = double.NaN;

    /// <summary>Closed-form least-squares stitch of the copying task.</summary>
    public double LeastSquaresAccuracy { get; init; } = double.NaN;
    public double LeastSquaresMse { get; init; } = double.NaN;
    public double LeastSquaresNormalizedMse { get; init; } = double.NaN;
    public double LeastSquaresDistributionDistance { get; init; } = double.NaN;

    /// <summary>Linear CKA between the sender layer and the receiver's expected representation.</summary>
    public double Cka { get; init; } = double.NaN;
    /// <summary>Debiased linear CKA (unbiased HSIC estimator) of the same pair; near 0 for unrelated layers even when wide.</summary>
    public double CkaDebiased { get; init; } = double.NaN;
    /// <summary>Pixel baseline: a stitch from the raw pixels into the same receiver layer, least-squares start, trained like every stitch.</summary>
    public double PixelBaselineAccuracy { get; init; } = double.NaN;
    /// <summary>Linear-probe baseline: the sender layer's average-pooled features through a trained linear readout.</summary>
    public double ProbeAccuracy { get; init; } = double.NaN;
    /// <summary>The receiver network's own test accuracy.</summary>
    public double ReceiverAccuracy { get; init; } = double.NaN;

    /// <summary>Stitching penalty: receiver's own accuracy minus the task-trained stitch's.</summary>
    public double Penalty => ReceiverAccuracy - TaskAccuracy;
    /// <summary>Task accuracy above the sender's linear probe: what the receiver's suffix adds to a linear readout.</summary>
    public double AboveProbe => TaskAccuracy - ProbeAccuracy;
    /// <summary>Task accuracy above the pixel baseline: what the sender adds to the raw image through the same stitch.</summary>
    public double AbovePixels => TaskAccuracy - PixelBaselineAccuracy;
}
