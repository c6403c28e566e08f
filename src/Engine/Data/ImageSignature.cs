namespace Stitching.Engine.Data;

/// <summary>PNG and JPEG by their first bytes, in plain C#: what a file is, before (and without) a decoder.</summary>
public static class ImageSignature
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly byte[] Jpeg = [0xFF, 0xD8, 0xFF];

    /// <summary>"PNG", "JPEG", or null for anything else.</summary>
    public static string? Of(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith(Png) ? "PNG" : bytes.StartsWith(Jpeg) ? "JPEG" : null;
}
