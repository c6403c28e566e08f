using Azure.Storage.Blobs;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

using Stitching.Domain.Jobs;

namespace Stitching.Platform.Storage;

/// <summary>
/// The <c>checkpoints</c> container: <c>models/{modelKey}.bin</c> and <c>.json</c> (shared by every sweep that needs
/// that model), <c>stitches/{sweepId}/{stitchId}.bin</c> (its result row names it) and, while a stitch group or a model
/// trains, <c>progress/{sweepId}/{stitchId of its first task}.bin</c> or <c>progress/{sweepId}/model-{modelKey}.bin</c>.
/// Locally the engine uses the same layout under its checkpoint directory: <c>models/{modelKey}.bin</c>,
/// <c>stitches/{stitchTaskId}.bin</c>, <c>progress/{progressId}.bin</c>.
/// Every uploaded file carries the SHA-256 of its bytes in the blob's <c>sha256</c> metadata; a download whose bytes
/// do not match (truncated, corrupted or replaced) is refused with <see cref="CheckpointUnavailableException"/> and
/// never reaches the local cache or the engine.
/// </summary>
public sealed class CheckpointStore(BlobContainerClient container) : ICheckpointStore
{
    public const string ContainerName = "checkpoints";
    public const string Sha256Metadata = VerifiedBlobs.Sha256Metadata;
    private static readonly string[] ModelExtensions = [".bin", ".json"];

    public BlobContainerClient Container { get; } = container;

    public Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default) => Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

    public async Task<bool> ModelExistsAsync(string modelKey, CancellationToken cancellationToken = default) =>
        await Container.GetBlobClient(ModelBlob(modelKey, ".bin")).ExistsAsync(cancellationToken);

    public async Task UploadModelAsync(string modelKey, string checkpointDirectory, CancellationToken cancellationToken = default)
    {
        foreach (var ext in ModelExtensions)
        {
            var file = CheckpointFiles.ModelFile(checkpointDirectory, modelKey, ext);
            if (!File.Exists(file))
            {
                if (ext == ".bin") throw new FileNotFoundException($"The engine wrote no checkpoint for model {modelKey}.", file);
                continue;
            }
            await VerifiedBlobs.UploadAsync(Container.GetBlobClient(ModelBlob(modelKey, ext)), file, cancellationToken);
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
            var file = CheckpointFiles.ModelFile(checkpointDirectory, modelKey, ext);
            if (File.Exists(file)) continue;
            var blob = Container.GetBlobClient(ModelBlob(modelKey, ext));
            var download = await VerifiedBlobs.DownloadAsync(blob, file, cancellationToken);
            switch (download.Status)
            {
                case VerifiedDownloadStatus.NotFound when ext == ".bin":
                    throw new CheckpointUnavailableException($"Checkpoint of model {modelKey} is not in blob storage ({blob.Name}).");
                case VerifiedDownloadStatus.NoHash:
                    throw new CheckpointUnavailableException(
                        $"Checkpoint blob {blob.Name} has no {Sha256Metadata} metadata, so it cannot be verified; it was not used. Retrain model {modelKey}.");
                case VerifiedDownloadStatus.Mismatch:
                    throw new CheckpointUnavailableException(
                        $"Checkpoint blob {blob.Name} is corrupt or truncated: its SHA-256 is {download.Actual}, the upload recorded {download.Expected}; it was not used. Retrain model {modelKey}.");
            }
        }
    }

    /// <summary>Uploads a trained stitch; returns where it went, <c>{container}/{blob}</c>, for its result row.</summary>
    public async Task<string> UploadStitchAsync(string sweepId, string stitchId, string file, CancellationToken cancellationToken = default)
    {
        var blob = Container.GetBlobClient($"stitches/{StorageIds.Require(sweepId, nameof(sweepId))}/{StorageIds.Require(stitchId, nameof(stitchId))}.bin");
        await VerifiedBlobs.UploadAsync(blob, file, cancellationToken);
        return $"{Container.Name}/{blob.Name}";
    }

    /// <summary>Uploads a progress file (<see cref="CheckpointFiles.ProgressFile(string, string)"/>) to <c>progress/{sweepId}/{progressId}.bin</c>.</summary>
    public Task UploadProgressAsync(string sweepId, string progressId, string file, CancellationToken cancellationToken = default) =>
        VerifiedBlobs.UploadAsync(ProgressBlob(sweepId, progressId), file, cancellationToken);

    /// <summary>
    /// Downloads an uploaded progress file to <paramref name="file"/>; false when none was uploaded. A copy that fails its
    /// SHA-256 check is not used: the training then starts from the beginning, which is slower but as correct.
    /// </summary>
    public async Task<bool> DownloadProgressAsync(string sweepId, string progressId, string file, CancellationToken cancellationToken = default) =>
        (await VerifiedBlobs.DownloadAsync(ProgressBlob(sweepId, progressId), file, cancellationToken)).Status == VerifiedDownloadStatus.Verified;

    public bool IsTransient(Exception exception) => StorageFailures.Is(exception);

    private BlobClient ProgressBlob(string sweepId, string progressId) =>
        Container.GetBlobClient($"progress/{StorageIds.Require(sweepId, nameof(sweepId))}/{StorageIds.Require(progressId, nameof(progressId))}.bin");

    private static string ModelBlob(string modelKey, string extension) => $"models/{StorageIds.Require(modelKey, nameof(modelKey))}{extension}";
}
