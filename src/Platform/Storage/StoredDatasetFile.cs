using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
namespace Stitching.Platform.Storage;

/// <summary>A blob of the <c>datasets</c> container; <paramref name="Sha256"/> is null when the blob has no recorded hash.</summary>
public sealed record StoredDatasetFile(string Blob, long Bytes, string? Sha256, DateTimeOffset? LastModified);
