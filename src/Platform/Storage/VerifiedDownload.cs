using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
namespace Stitching.Platform.Storage;

/// <summary>What <see cref="VerifiedBlobs.DownloadAsync"/> came to: the hash the upload recorded and the hash of the bytes received.</summary>
public sealed record VerifiedDownload(VerifiedDownloadStatus Status, string? Expected, string? Actual);
