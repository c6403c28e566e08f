using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
namespace Stitching.Platform.Storage;

/// <summary>How a <see cref="VerifiedBlobs.DownloadAsync"/> ended.</summary>
public enum VerifiedDownloadStatus
{
    /// <summary>The bytes match the recorded hash and are in the target file.</summary>
    Verified,
    /// <summary>No such blob (or no such container).</summary>
    NotFound,
    /// <summary>The blob has no <c>sha256</c> metadata, so it cannot be verified; the target was not written.</summary>
    NoHash,
    /// <summary>The bytes do not match the recorded hash (truncated, corrupted or replaced); the target was not written.</summary>
    Mismatch,
}
