namespace Stitching.Domain.Results;

/// <summary>
/// A base model's own test accuracy; <see cref="Trained"/> is false for the random controls. Hardware and Layout
/// say what trained it (CPU model and vector extensions or GPU; nchw or nhwc). PredictionEntropyBits and PredictedClasses
/// say how its test predictions spread over the classes (a constant predictor: 0 bits, 1 class; NaN and 0 in files
/// written before they were recorded); RandomInit is the initialization (kaiming or pytorch; "" when not recorded).
/// </summary>
public sealed record ModelResult(string Arch, int Width, string Dataset, int Seed, bool Trained, int Epochs, int TrainImages, double Accuracy, double Loss,
    string Hardware = "", string Layout = "", double PredictionEntropyBits = double.NaN, int PredictedClasses = 0, string RandomInit = "")
{
    /// <summary>A trained model's held-out accuracy after each epoch, its learning curve (empty for random controls and when not recorded).</summary>
    public IReadOnlyList<double> HeldOutCurve { get; init => field = value ?? []; } = [];

    // Both setters take null as "not recorded": the generated JSON reader sets a key missing from an older row to null.
    /// <summary>The <see cref="Contracts.Provenance.Id"/> of the run that trained or initialized the model ("" when not recorded).</summary>
    public string ProvenanceId { get; init => field = value ?? ""; } = "";

    /// <summary>
    /// Classes of the dataset the model was trained on, from its checkpoint; 0 when not recorded (rows and files written
    /// before it travelled, all of 10-class datasets). Kept out of models.csv and of equality so files and fixed-seed
    /// fingerprints stay as they were; the near-chance rule reads it (<see cref="ChanceClasses"/>).
    /// </summary>
    public int Classes { get; init; }

    /// <summary>The class count chance is measured against: <see cref="Classes"/>, or 10 where it was not recorded.</summary>
    public int ChanceClasses => Classes > 0 ? Classes : 10;

    // A record compares a list by reference; a model read back from a file is the same model when its curve has the same
    // points. Value tuples compare doubles with Equals, so NaN (a metric not recorded) equals NaN.
    public bool Equals(ModelResult? other) =>
        other is not null
        && (Arch, Width, Dataset, Seed, Trained, Epochs, TrainImages, Accuracy, Loss, Hardware, Layout, PredictionEntropyBits, PredictedClasses, RandomInit)
            .Equals((other.Arch, other.Width, other.Dataset, other.Seed, other.Trained, other.Epochs, other.TrainImages, other.Accuracy, other.Loss,
                other.Hardware, other.Layout, other.PredictionEntropyBits, other.PredictedClasses, other.RandomInit))
        && ProvenanceId == other.ProvenanceId
        && HeldOutCurve.SequenceEqual(other.HeldOutCurve);

    public override int GetHashCode() => HashCode.Combine(Arch, Width, Dataset, Seed, Trained, Accuracy);
}
