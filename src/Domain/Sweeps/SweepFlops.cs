using Stitching.Domain.Architectures;
using Stitching.Domain.Datasets;

namespace Stitching.Domain.Sweeps;

/// <summary>
/// Floating-point operations of a sweep's parts, counted from the layer catalogue's multiply-accumulates (2 FLOPs
/// each; a backward pass costs two forwards where both gradients are needed, one where only input gradients are).
/// The one count that <c>bench</c> (achieved GFLOP/s) and dry runs (time estimates) share. The dataset's image channels
/// size the stem and its classes the head (<see cref="DatasetInfo"/>).
/// </summary>
public static class SweepFlops
{
    /// <summary>One training image through a stitch and the frozen suffix: forward, input gradients through the suffix, stitch weight gradients.</summary>
    public static double TrainingPerImage(StitchTask t, int width, DatasetInfo data) => 2 * (3 * t.Shape.MacsPerImage + 2 * SuffixMacs(t, width, data));

    /// <summary>One evaluation image through a stitch and the frozen suffix.</summary>
    public static double EvaluationPerImage(StitchTask t, int width, DatasetInfo data) => 2 * (t.Shape.MacsPerImage + SuffixMacs(t, width, data));

    /// <summary>One image through the sender's prefix up to the stitch's sender layer.</summary>
    public static double PrefixPerImage(StitchTask t, int width, DatasetInfo data)
    {
        var s = ResNetSpec.Parse(t.Sender.Arch);
        return 2.0 * ArchitectureCatalog.MacsPerImage(s, width, data.Channels, data.Classes, 0, ArchitectureCatalog.Layer(s, width, t.SenderLayer).Index);
    }

    /// <summary>A stitch trained for <paramref name="epochs"/> with held-out checks, then scored once on the test split (prefix excluded).</summary>
    public static double Stitch(StitchTask t, int width, DatasetInfo data, long train, long holdout, long test, double epochs, int evalsPerEpoch) =>
        TrainingPerImage(t, width, data) * train * epochs + EvaluationPerImage(t, width, data) * (holdout * (evalsPerEpoch * epochs + 1) + test);

    /// <summary>Sender prefixes computed once per (model, sender layer, split), as the activation cache does.</summary>
    public static double CachedPrefixes(SweepPlan plan, int width, DatasetInfo data, long images)
    {
        double total = 0;
        foreach (var pair in plan.Pairs)
        foreach (var model in pair.Models.Where(m => m.Arch == pair.SenderArch.Name))
        foreach (var layer in pair.SenderLayers)
            total += 2.0 * ArchitectureCatalog.MacsPerImage(pair.SenderArch, width, data.Channels, data.Classes, 0, layer.Index) * images;
        return total;
    }

    /// <summary>Training a base model (forward + both backward products) and scoring it on the test split; 0 for a random control's training.</summary>
    public static double BaseModel(ModelSpec m, DatasetInfo data, long trainImages, long testImages)
    {
        double forward = 2.0 * ArchitectureCatalog.MacsPerImage(ResNetSpec.Parse(m.Arch), m.Width, data.Channels, data.Classes, 0, int.MaxValue);
        return (m.Trained ? 3 * forward * trainImages * m.Training.Epochs : 0) + forward * testImages;
    }

    private static double SuffixMacs(StitchTask t, int width, DatasetInfo data)
    {
        var r = ResNetSpec.Parse(t.Receiver.Arch);
        return ArchitectureCatalog.MacsPerImage(r, width, data.Channels, data.Classes, ArchitectureCatalog.Layer(r, width, t.ReceiverLayer).Index + 1, int.MaxValue);
    }
}
