using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
namespace Stitching.Platform.Storage;

/// <summary>One dataset file moved (or found already in place) by <see cref="DatasetStore"/>: <paramref name="Transferred"/> is false when it was skipped.</summary>
public sealed record DatasetTransfer(string Blob, string File, long Bytes, string Sha256, bool Transferred);
