using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;

namespace Stitching.Platform.Storage;

/// <summary>
/// Blobs that carry the SHA-256 of their bytes in <c>sha256</c> metadata, and downloads that reach their target file
/// only once the bytes match it. The hash goes in the request that commits the bytes (Put Blob, or Put Block List for
/// a large file), so a blob is never visible without its hash. Checkpoints and datasets both travel this way.
/// </summary>
public static class VerifiedBlobs
{
    public const string Sha256Metadata = "sha256";

    public static async Task<string> FileSha256Async(string file, CancellationToken cancellationToken = default)
    {
        await using var read = File.OpenRead(file);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(read, cancellationToken));
    }

    /// <summary>The hash the upload recorded, or null when the blob has none.</summary>
    public static string? RecordedSha256(IDictionary<string, string> metadata) => metadata.TryGetValue(Sha256Metadata, out var hash) ? hash : null;

    /// <summary>Uploads a finished file (replacing the blob) with the SHA-256 of its bytes as metadata; returns the hash.</summary>
    public static async Task<string> UploadAsync(BlobClient blob, string file, CancellationToken cancellationToken = default)
    {
        var hash = await FileSha256Async(file, cancellationToken);
        await blob.UploadAsync(file, new BlobUploadOptions { Metadata = new Dictionary<string, string> { [Sha256Metadata] = hash } }, cancellationToken);
        return hash;
    }

    /// <summary>
    /// Streams the blob into a temporary file beside <paramref name="file"/>, hashing as it goes, and moves it over
    /// <paramref name="file"/> only when the hash matches the blob's metadata; otherwise the temporary file is deleted
    /// and <paramref name="file"/> is left as it was. A missing blob or container is <see cref="VerifiedDownloadStatus.NotFound"/>.
    /// </summary>
    public static async Task<VerifiedDownload> DownloadAsync(BlobClient blob, string file, CancellationToken cancellationToken = default)
    {
        BlobDownloadStreamingResult download;
        try
        {
            download = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return new VerifiedDownload(VerifiedDownloadStatus.NotFound, null, null);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(file))!);
        // Beside the target, so the final move is a rename: a concurrent reader never sees a half-written or unchecked file.
        var partial = $"{file}.{Guid.NewGuid():N}.part";
        try
        {
            string actual;
            using (download)
            await using (var output = File.Create(partial))
            {
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[81920];
                int read;
                while ((read = await download.Content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    sha.AppendData(buffer, 0, read);
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
                actual = Convert.ToHexStringLower(sha.GetHashAndReset());
            }
            var expected = RecordedSha256(download.Details.Metadata);
            if (expected is null) return new VerifiedDownload(VerifiedDownloadStatus.NoHash, null, actual);
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase)) return new VerifiedDownload(VerifiedDownloadStatus.Mismatch, expected, actual);
            File.Move(partial, file, overwrite: true);
            return new VerifiedDownload(VerifiedDownloadStatus.Verified, expected, actual);
        }
        finally
        {
            File.Delete(partial); // gone already after a successful move
        }
    }
}
