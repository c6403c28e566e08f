namespace Stitching.Engine.Data;

/// <summary>
/// One split as read from disk, before any tensor exists: pixels (N, C, 32, 32) row-major uint8, labels (N).
/// Kept as bytes so a subset can be picked before paying for float32 (4x the memory).
/// </summary>
public sealed record RawSplit(byte[] Pixels, long[] Labels, int Channels)
{
    public const int Side = 32;

    public int Count => Labels.Length;

    public int ImageBytes => Channels * Side * Side;
}
