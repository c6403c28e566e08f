using System.Globalization;
using Microsoft.Extensions.Logging;
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
    /// <summary>
    /// The one way a dataset is loaded for training, by the CLI's commands and the queue worker alike: validated options,
    /// the files read (<see cref="DatasetLoader.Load"/>), the tensors moved to <paramref name="device"/>, and both steps logged.
    /// </summary>
    public static SweepData Load(DatasetOptions options, Device device, ILogger log)
    {
        options = options.Validated();
        log.LogInformation("Loading {Dataset} from {Folder} on {Device} ({Threads} threads; {Hardware}); train {TrainLimit}, test {TestLimit}", options.Name,
            options.ResolvedFolder, device.type.ToString().ToLowerInvariant(), TorchSharp.torch.get_num_threads(), Hardware.HardwareDescription.Of(device),
            options.TrainLimit?.ToString(CultureInfo.InvariantCulture) ?? "all", options.TestLimit?.ToString(CultureInfo.InvariantCulture) ?? "all");
        using var dataset = DatasetLoader.Load(options);
        var data = From(dataset, device);
        log.LogInformation("  {TrainImages} train, {HeldOutImages} held out, {TestImages} test images", data.TrainImages.shape[0], data.HoldoutImages.shape[0], data.TestImages.shape[0]);
        return data;
    }

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
