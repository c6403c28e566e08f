using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Stitching.Core.Storage;

/// <summary>
/// The <c>checkpoints</c> container: <c>models/{modelKey}.bin</c> and <c>.json</c> (shared by every sweep that needs
/// that model) and <c>stitches/{sweepId}/{jobId}.bin</c>. Locally the engine uses the same layout under its
/// checkpoint directory: <c>models/{modelKey}.bin</c>, <c>stitches/{stitchTaskId}.bin</c>.
/// Every uploaded file carries the SHA-256 of its bytes in the blob's <c>sha256</c> metadata; a download whose bytes
/// do not match (truncated, corrupted or replaced) is refused with <see cref="CheckpointUnavailableException"/> and
/// never reaches the local cache or the engine.
/// </summary>
public sealed class CheckpointStore(BlobContainerClient container)
{
    public const string ContainerName = "checkpoints";
    public const string Sha256Metadata = "sha256";
    private static readonly string[] ModelExtensions = [".bin", ".json"];

    public BlobContainerClient Container { get; } = container;

    public Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default) => Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    public static string ModelFile(string checkpointDirectory, string modelKey, string extension = ".bin") =>
        Path.Combine(checkpointDirectory, "models", StorageIds.Require(modelKey, nameof(modelKey)) + extension);

    public async Task<bool> ModelExistsAsync(string modelKey, CancellationToken cancellationToken = default) =>
        await Container.GetBlobClient(ModelBlob(modelKey, ".bin")).ExistsAsync(cancellationToken);

    public async Task UploadModelAsync(string modelKey, string checkpointDirectory, CancellationToken cancellationToken = default)
    {
        foreach (var ext in ModelExtensions)
        {
            var file = ModelFile(checkpointDirectory, modelKey, ext);
            if (!File.Exists(file))
            {
                if (ext == ".bin") throw new FileNotFoundException($"The engine wrote no checkpoint for model {modelKey}.", file);
                continue;
            }
            await UploadVerifiableAsync(Container.GetBlobClient(ModelBlob(modelKey, ext)), file, cancellationToken);
        }
    }

    /// <summary>
    /// Downloads a model's files unless a local copy is already there (a runner keeps its cache across jobs). Only a
    /// file whose SHA-256 matches the blob's metadata is moved into the cache.
    /// </summary>
    public async Task DownloadModelAsync(string modelKey, string checkpointDirectory, CancellationToken cancellationToken = default)
    {
        foreach (var ext in ModelExtensions)
        {
            var file = ModelFile(checkpointDirectory, modelKey, ext);
            if (File.Exists(file)) continue;
            var blob = Container.GetBlobClient(ModelBlob(modelKey, ext));
            BlobDownloadStreamingResult download;
            try
            {
                download = (await blob.DownloadStreamingAsync(cancellationToken: cancellationToken)).Value;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                if (ext == ".bin") throw new CheckpointUnavailableException($"Checkpoint of model {modelKey} is not in blob storage ({blob.Name}).");
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            // Download beside the target and rename, so a concurrent job never loads a half-written or unchecked file.
            var partial = $"{file}.{Guid.NewGuid():N}.part";
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
            var expected = download.Details.Metadata.TryGetValue(Sha256Metadata, out var m) ? m : null;
            if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
            {
                File.Delete(partial);
                throw new CheckpointUnavailableException(expected is null
                    ? $"Checkpoint blob {blob.Name} has no {Sha256Metadata} metadata, so it cannot be verified; it was not used. Retrain model {modelKey}."
                    : $"Checkpoint blob {blob.Name} is corrupt or truncated: its SHA-256 is {actual}, the upload recorded {expected}; it was not used. Retrain model {modelKey}.");
            }
            File.Move(partial, file, overwrite: true);
        }
    }

    public async Task UploadStitchAsync(string sweepId, string jobId, string file, CancellationToken cancellationToken = default) =>
        await UploadVerifiableAsync(Container.GetBlobClient($"stitches/{StorageIds.Require(sweepId, nameof(sweepId))}/{StorageIds.Require(jobId, nameof(jobId))}.bin"),
            file, cancellationToken);

    /// <summary>Uploads a finished file with the SHA-256 of its bytes as metadata (one extra read of the file).</summary>
    private static async Task UploadVerifiableAsync(BlobClient blob, string file, CancellationToken cancellationToken)
    {
        string hash;
        await using (var read = File.OpenRead(file)) hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(read, cancellationToken));
        await blob.UploadAsync(file, new BlobUploadOptions { Metadata = new Dictionary<string, string> { [Sha256Metadata] = hash } }, cancellationToken);
    }

    private static string ModelBlob(string modelKey, string extension) => $"models/{StorageIds.Require(modelKey, nameof(modelKey))}{extension}";
}
