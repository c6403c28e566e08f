using Stitching.Domain.Architectures;

namespace Stitching.Domain.Stitches;

/// <summary>What a stitch between two layers looks like; <see cref="Factor"/> is the spatial ratio (1 for 1x1).</summary>
public sealed record StitchShape(StitchKind Kind, int Factor, int InChannels, int OutChannels, int InSize, int OutSize, bool BatchNorm = false)
{
    public int KernelSize => Kind == StitchKind.StridedConv ? Factor : 1;

    /// <summary>Trainable parameters: conv weight and bias, plus BN affine parameters when enabled.</summary>
    public long Parameters =>
        (long)InChannels * OutChannels * KernelSize * KernelSize + OutChannels + (BatchNorm ? 2L * (InChannels + OutChannels) : 0);

    /// <summary>Multiply-accumulates of one image through the stitch.</summary>
    public long MacsPerImage => (long)OutSize * OutSize * InChannels * OutChannels * KernelSize * KernelSize;

    public string KindName => Kind switch
    {
        StitchKind.Conv1x1 => "conv1x1",
        StitchKind.StridedConv => $"conv{Factor}x{Factor}s{Factor}",
        _ => $"upsample{Factor}+conv1x1",
    };

    /// <summary>Chooses the stitch from the two layers' shapes, or explains why none fits.</summary>
    public static StitchShape Between(LayerInfo sender, LayerInfo receiver, bool batchNorm = false)
    {
        if (sender.Height != sender.Width || receiver.Height != receiver.Width)
            throw new IncompatibleShapesException($"Stitches need square feature maps; got {sender.Height}x{sender.Width} -> {receiver.Height}x{receiver.Width}.");
        int s = sender.Height, r = receiver.Height;
        if (s == r) return new(StitchKind.Conv1x1, 1, sender.Channels, receiver.Channels, s, r, batchNorm);
        if (s > r && s % r == 0) return new(StitchKind.StridedConv, s / r, sender.Channels, receiver.Channels, s, r, batchNorm);
        if (r > s && r % s == 0) return new(StitchKind.UpsampleConv1x1, r / s, sender.Channels, receiver.Channels, s, r, batchNorm);
        throw new IncompatibleShapesException(
            $"Cannot stitch {sender.Name} ({s}x{s}) into {receiver.Name} ({r}x{r}): the spatial sizes must differ by an integer factor.");
    }
}

/// <summary>Two layers whose shapes no stitch can connect; the API maps it to 400.</summary>
public sealed class IncompatibleShapesException(string message) : Exception(message);
