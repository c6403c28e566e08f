namespace Stitching.Domain.Architectures;

/// <summary>
/// A stitchable layer: the stem output or a block output. <see cref="Index"/> counts from 0 (stem);
/// <see cref="Stage"/> is 0 for the stem, 1..4 for blocks; <see cref="Block"/> is the block's index in its stage.
/// Shape is (C, H, W) of the layer's output.
/// </summary>
public sealed record LayerInfo(int Index, string Name, int Stage, int Block, int Channels, int Height, int Width)
{
    public long Elements => (long)Channels * Height * Width;
}
