namespace Stitching.Core.Results;

/// <summary>
/// A base model's own test accuracy; <see cref="Trained"/> is false for the random controls. Hardware and Layout
/// say what trained it (CPU model and vector extensions or GPU; nchw or nhwc).
/// </summary>
public sealed record ModelResult(string Arch, int Width, string Dataset, int Seed, bool Trained, int Epochs, int TrainImages, double Accuracy, double Loss,
    string Hardware = "", string Layout = "");
