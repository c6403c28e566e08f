namespace Stitching.Core.Results;

/// <summary>A base model's own test accuracy; <see cref="Trained"/> is false for the random controls.</summary>
public sealed record ModelResult(string Arch, int Width, string Dataset, int Seed, bool Trained, int Epochs, int TrainImages, double Accuracy, double Loss);
