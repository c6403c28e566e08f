using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Data;

/// <summary>
/// A whole dataset in memory, loaded once: images float32 (N, C, 32, 32), normalized per channel with
/// <see cref="Mean"/>/<see cref="Std"/>; labels int64 (N). The holdout split is carved from the training files
/// (empty unless <see cref="DatasetOptions.ValidationFraction"/> &gt; 0) and is what stitch selection may look at;
/// the test split is for final numbers only.
/// </summary>
public sealed class ImageDataset : IDisposable
{
    public required string Name { get; init; }
    public required int Channels { get; init; }
    public required IReadOnlyList<string> ClassNames { get; init; }
    public int Classes => ClassNames.Count;

    /// <summary>The options this was loaded with (subset, seed, holdout): provenance for results.</summary>
    public required DatasetOptions Options { get; init; }

    /// <summary>Per-channel mean/std subtracted/divided from [0, 1] pixels; 0 and 1 when not normalized.</summary>
    public required IReadOnlyList<float> Mean { get; init; }
    public required IReadOnlyList<float> Std { get; init; }

    public required Tensor TrainImages { get; init; }   // (N, C, 32, 32) float32
    public required Tensor TrainLabels { get; init; }   // (N) int64
    public required Tensor HoldoutImages { get; init; } // (H, C, 32, 32) float32, H may be 0
    public required Tensor HoldoutLabels { get; init; } // (H) int64
    public required Tensor TestImages { get; init; }    // (M, C, 32, 32) float32
    public required Tensor TestLabels { get; init; }    // (M) int64

    /// <summary>Per channel, the value a black (0) pixel has after normalization: the fill for zero padding.</summary>
    public float[] BlackLevel => Mean.Zip(Std, (mean, std) => -mean / std).ToArray();

    public void Dispose()
    {
        TrainImages.Dispose();
        TrainLabels.Dispose();
        HoldoutImages.Dispose();
        HoldoutLabels.Dispose();
        TestImages.Dispose();
        TestLabels.Dispose();
    }
}
