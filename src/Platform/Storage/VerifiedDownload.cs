using Stitching.Domain.Datasets;
using Stitching.Domain.Contracts;
namespace Stitching.Platform.Storage;

/// <summary>What <see cref="VerifiedBlobs.DownloadAsync"/> came to: the hash the upload recorded and the hash of the bytes received.</summary>
public sealed record VerifiedDownload(VerifiedDownloadStatus Status, string? Expected, string? Actual);
