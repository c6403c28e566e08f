using static TorchSharp.torch;

namespace Stitching.GpuRunner.Training;

/// <summary>
/// The tensors a sweep trains on, on the training device: the training subset split into train and held-out
/// parts (for early stopping and any other choice), and the test subset that gives the reported number once.
/// </summary>
public sealed record SweepData(
    string Dataset, int Channels, int Classes,
    Tensor TrainImages, Tensor TrainLabels,
    Tensor HoldoutImages, Tensor HoldoutLabels,
    Tensor TestImages, Tensor TestLabels,
    Func<Tensor, Generator, Tensor>? Augment) : IDisposable
{
    /// <summary>All training images (train + held-out), for the base models, which select nothing.</summary>
    public Tensor AllTrainImages { get; init; } = TrainImages;
    public Tensor AllTrainLabels { get; init; } = TrainLabels;

    /// <summary>Splits (images, labels) with a seeded permutation; the last <paramref name="holdoutFraction"/> is held out.</summary>
    public static SweepData Create(string dataset, int channels, int classes, Tensor trainImages, Tensor trainLabels,
        Tensor testImages, Tensor testLabels, double holdoutFraction, int seed, Device device, Func<Tensor, Generator, Tensor>? augment)
    {
        long n = trainImages.shape[0];
        var holdout = (long)Math.Round(n * Math.Clamp(holdoutFraction, 0, 0.5));
        using var generator = new Generator((ulong)seed);
        using var perm = randperm(n, generator: generator);
        using var trainIdx = perm.slice(0, 0, n - holdout, 1);
        using var holdIdx = perm.slice(0, n - holdout, n, 1);
        return new SweepData(dataset, channels, classes,
            trainImages.index_select(0, trainIdx).to(device), trainLabels.index_select(0, trainIdx).to(device),
            trainImages.index_select(0, holdIdx).to(device), trainLabels.index_select(0, holdIdx).to(device),
            testImages.to(device), testLabels.to(device), augment)
        {
            AllTrainImages = trainImages.to(device),
            AllTrainLabels = trainLabels.to(device),
        };
    }

    public void Dispose()
    {
        foreach (var t in new[] { TrainImages, TrainLabels, HoldoutImages, HoldoutLabels, TestImages, TestLabels, AllTrainImages, AllTrainLabels })
            t.Dispose();
    }
}
