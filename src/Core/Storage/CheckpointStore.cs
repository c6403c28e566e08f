using Azure.Storage.Blobs;

namespace Stitching.Core.Storage;

/// <summary>
/// The <c>checkpoints</c> container: <c>models/{modelKey}.bin</c> and <c>.json</c> (shared by every sweep that needs
/// that model) and <c>stitches/{sweepId}/{jobId}.bin</c>. Locally the engine uses the same layout under its
/// checkpoint directory: <c>models/{modelKey}.bin</c>, <c>stitches/{stitchTaskId}.bin</c>.
/// </summary>
public sealed class CheckpointStore(BlobContainerClient container)
{
    public const string ContainerName = "checkpoints";
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
            await Container.GetBlobClient(ModelBlob(modelKey, ext)).UploadAsync(file, overwrite: true, cancellationToken);
        }
    }

    /// <summary>Downloads a model's files unless a local copy is already there (a runner keeps its cache across jobs).</summary>
    public async Task DownloadModelAsync(string modelKey, string checkpointDirectory, CancellationToken cancellationToken = default)
    {
        foreach (var ext in ModelExtensions)
        {
            var file = ModelFile(checkpointDirectory, modelKey, ext);
            if (File.Exists(file)) continue;
            var blob = Container.GetBlobClient(ModelBlob(modelKey, ext));
            if (!await blob.ExistsAsync(cancellationToken))
            {
                if (ext == ".bin") throw new FileNotFoundException($"Checkpoint of model {modelKey} is not in blob storage yet.", blob.Name);
                continue;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            // Download beside the target and rename, so a concurrent job never loads a half-written file.
            var partial = $"{file}.{Guid.NewGuid():N}.part";
            await blob.DownloadToAsync(partial, cancellationToken);
            File.Move(partial, file, overwrite: true);
        }
    }

    public async Task UploadStitchAsync(string sweepId, string jobId, string file, CancellationToken cancellationToken = default) =>
        await Container.GetBlobClient($"stitches/{StorageIds.Require(sweepId, nameof(sweepId))}/{StorageIds.Require(jobId, nameof(jobId))}.bin")
            .UploadAsync(file, overwrite: true, cancellationToken);

    private static string ModelBlob(string modelKey, string extension) => $"models/{StorageIds.Require(modelKey, nameof(modelKey))}{extension}";
}
