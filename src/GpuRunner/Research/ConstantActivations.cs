using Stitching.GpuRunner.Stitches;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Research;

/// <summary>
/// Zeros (B, 1, S, S) for every image. A 1x1 stitch reading it outputs only its bias, broadcast over the batch and the
/// map: a learned per-channel constant, which is how the suffix-floor control is trained with the ordinary stitch trainer.
/// </summary>
public sealed class ConstantActivations(long count, int size, Device device) : ActivationSource
{
    public override long Count => count;
    public override Tensor Get(Tensor indices) => zeros([indices.shape[0], 1, size, size], ScalarType.Float32, device);
}
