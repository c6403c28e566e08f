using Stitching.Engine.Data;
using static TorchSharp.torch;

namespace Stitching.Engine.Training;

/// <summary>
/// The tensors a sweep trains on, on the training device: the training subset split into train and held-out
/// parts (for early stopping and any other choice), and the test subset that gives the reported number once.
/// Base models train on the train part only: the held-out images choose stitch weights, so the frozen networks
/// must not have fitted them (<see cref="HoldoutFraction"/> is part of a model's key).
/// </summary>
public sealed record SweepData(
    string Dataset, int Channels, int Classes,
    Tensor TrainImages, Tensor TrainLabels,
    Tensor HoldoutImages, Tensor HoldoutLabels,
    Tensor TestImages, Tensor TestLabels,
    double HoldoutFraction,
    Func<Tensor, Generator, Tensor>? Augment) : IDisposable
{
    public static SweepData From(ImageDataset data, Device device, bool augment = true)
    {
        var options = AugmentationOptions.For(data.Name);
        var fill = data.BlackLevel;
        return new SweepData(data.Name, data.Channels, data.Classes,
            data.TrainImages.to(device), data.TrainLabels.to(device),
            data.HoldoutImages.to(device), data.HoldoutLabels.to(device),
            data.TestImages.to(device), data.TestLabels.to(device),
            data.Options.ValidationFraction,
            augment ? (x, g) => Augmentation.Apply(x, options, g, fill) : null);
    }

    public void Dispose()
    {
        foreach (var t in new[] { TrainImages, TrainLabels, HoldoutImages, HoldoutLabels, TestImages, TestLabels })
            t.Dispose();
    }
}
