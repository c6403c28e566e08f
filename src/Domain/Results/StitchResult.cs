namespace Stitching.Domain.Results;

/// <summary>
/// One trained stitch: a row of results.csv and of the result table. Accuracy is a fraction in [0, 1]
/// on the test set; Loss is the mean test cross-entropy. Layer names follow the architecture catalog.
/// Hardware (CPU model and the vector extensions the engine used, or the GPU), Precision (of the frozen parts)
/// and Layout (sender/receiver memory layout, e.g. "nhwc" or "nchw/nhwc") say how the number was computed.
/// Converged: the held-out stopping rule ended training (false: it ran to the epoch cap, nothing was held out, or the
/// row comes from a file written before it was recorded). HeadOnly: the receiver layer is the architecture's last, so
/// only pooling and the classifier follow the stitch and stitch plus suffix is a linear readout of the sender's features.
/// TestImages: the test-set size; AccuracyLow and AccuracyHigh: the 95% Wilson interval of Accuracy from it
/// (<see cref="WilsonInterval"/>; 0 and NaN in files written before they were recorded).
/// Curve: the held-out checks training made (<see cref="TrainingCurve"/> keeps it to a few dozen points); null when nothing
/// was held out, and in results.csv, which has no column for it (the result table and the API carry it).
/// ProvenanceId: the <see cref="Contracts.Provenance.Id"/> of the run that computed the row (its record is written once per
/// run: sweep.json, the provenance rows of the models table); "" in rows written before it was recorded.
/// Stop: which rule ended training (<see cref="StopReason"/>: converged after a gain, no gain over the start, the cap, or no
/// rule); Converged is true for the first two. Unrecorded in rows written before it was recorded.
/// </summary>
public sealed record StitchResult(
    string Variant,
    string SenderArch,
    string SenderLayer,
    string ReceiverArch,
    string ReceiverLayer,
    string StitchKind,
    long StitchParams,
    double Epochs,
    int TrainImages,
    double Accuracy,
    double Loss,
    double Seconds,
    int SenderSeed = 0,
    int ReceiverSeed = 0,
    int StitchSeed = 0,
    string Device = "cpu",
    string Hardware = "",
    string Precision = "",
    string Layout = "",
    bool Converged = false,
    bool HeadOnly = false,
    int TestImages = 0,
    double AccuracyLow = double.NaN,
    double AccuracyHigh = double.NaN,
    IReadOnlyList<CurvePoint>? Curve = null,
    string ProvenanceId = "",
    StopReason Stop = StopReason.Unrecorded);
