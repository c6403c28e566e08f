using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;

namespace Stitching.Platform.Storage;

/// <summary>
/// The <c>datasets</c> container: one blob per dataset file, <c>{dataset}/{file}</c> (<see cref="DatasetFiles"/>), each
/// with the SHA-256 of its bytes in <c>sha256</c> metadata (<see cref="VerifiedBlobs"/>). A developer uploads a dataset
/// once (<see cref="UploadCommand"/>); runners, which have no data of their own, fetch it into their data folder,
/// verified, and keep it there for the next job.
/// </summary>
public sealed class DatasetStore(BlobContainerClient container)
{
    public const string ContainerName = "datasets";

    public BlobContainerClient Container { get; } = container;

    public static DatasetStore Create(StitchingStorageOptions options) =>
        new(StorageClients.Blobs(options).GetBlobContainerClient(options.NamePrefix + ContainerName));

    public static string BlobName(string dataset, string file) => $"{dataset}/{file}";

    /// <summary>
    /// The command that puts <paramref name="dataset"/> into this container, run with the same <c>Stitching__Storage__*</c>
    /// settings as the runners; <paramref name="force"/> re-uploads files whose recorded hash already matches.
    /// </summary>
    public static string UploadCommand(string dataset, bool force = false) =>
        $"Stitching.GpuRunner datasets upload --dataset {dataset}{(force ? " --force" : "")}";

    /// <summary>
    /// Uploads the dataset's files from <paramref name="sourceFolder"/>, skipping each blob whose size and recorded
    /// SHA-256 already match the local file (unless <paramref name="force"/>). Every file is checked to exist before
    /// anything is sent. Creates the container when it is missing.
    /// </summary>
    /// <exception cref="FileNotFoundException">A file of the dataset is not in <paramref name="sourceFolder"/>.</exception>
    public async Task<IReadOnlyList<DatasetTransfer>> UploadAsync(string dataset, string sourceFolder, bool force = false, CancellationToken cancellationToken = default)
    {
        var files = DatasetFiles.Of(dataset);
        var missing = files.Where(f => !File.Exists(Path.Combine(sourceFolder, f))).ToList();
        if (missing.Count > 0)
            throw new FileNotFoundException($"Dataset {dataset}: {string.Join(", ", missing)} not found in {Path.GetFullPath(sourceFolder)}; nothing was uploaded.",
                Path.Combine(sourceFolder, missing[0]));
        await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        var stored = await StoredAsync(dataset, cancellationToken);
        var transfers = new List<DatasetTransfer>();
        foreach (var name in files)
        {
            var file = Path.Combine(sourceFolder, name);
            var blob = Container.GetBlobClient(BlobName(dataset, name));
            var bytes = new FileInfo(file).Length;
            var hash = await VerifiedBlobs.FileSha256Async(file, cancellationToken);
            var same = !force && stored.TryGetValue(blob.Name, out var s) && s.Bytes == bytes && string.Equals(s.Sha256, hash, StringComparison.OrdinalIgnoreCase);
            if (!same) hash = await VerifiedBlobs.UploadAsync(blob, file, cancellationToken);
            transfers.Add(new DatasetTransfer(blob.Name, file, bytes, hash, Transferred: !same));
        }
        return transfers;
    }

    /// <summary>Every blob in the container, by name; empty when the container does not exist yet.</summary>
    public async Task<IReadOnlyList<StoredDatasetFile>> ListAsync(CancellationToken cancellationToken = default) =>
        (await StoredAsync(dataset: null, cancellationToken)).Values.OrderBy(f => f.Blob, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Makes <paramref name="folder"/> hold the dataset's files as stored: a local file whose size and SHA-256 match the
    /// blob's is kept (a runner's second job downloads nothing), anything else (absent, truncated, corrupted) is
    /// downloaded again and moved into place only once verified.
    /// </summary>
    /// <exception cref="DatasetUnavailableException">
    /// A file is missing from the container, has no recorded hash, or its bytes do not match it; the message names the
    /// dataset and the command that uploads it.
    /// </exception>
    public async Task<IReadOnlyList<DatasetTransfer>> FetchAsync(string dataset, string folder, CancellationToken cancellationToken = default)
    {
        var files = DatasetFiles.Of(dataset);
        var stored = await StoredAsync(dataset, cancellationToken);
        var missing = files.Where(f => !stored.ContainsKey(BlobName(dataset, f))).ToList();
        if (missing.Count > 0)
            throw new DatasetUnavailableException(dataset,
                $"Dataset {dataset} is not in blob storage; upload it once with `{UploadCommand(dataset)}` (from a machine that has it, with the runners' "
                + $"Stitching__Storage__* settings). Missing from container {Container.Name}: {string.Join(", ", missing.Select(f => BlobName(dataset, f)))}.");
        var transfers = new List<DatasetTransfer>();
        foreach (var name in files)
        {
            var blob = Container.GetBlobClient(BlobName(dataset, name));
            var expected = stored[blob.Name].Sha256 ?? throw Unverifiable(dataset, blob.Name);
            var file = Path.Combine(folder, name);
            if (File.Exists(file) && new FileInfo(file).Length == stored[blob.Name].Bytes
                && string.Equals(await VerifiedBlobs.FileSha256Async(file, cancellationToken), expected, StringComparison.OrdinalIgnoreCase))
            {
                transfers.Add(new DatasetTransfer(blob.Name, file, stored[blob.Name].Bytes, expected, Transferred: false));
                continue;
            }
            var download = await VerifiedBlobs.DownloadAsync(blob, file, cancellationToken);
            switch (download.Status)
            {
                case VerifiedDownloadStatus.NotFound:
                    throw new DatasetUnavailableException(dataset,
                        $"Dataset {dataset} is not in blob storage; upload it again with `{UploadCommand(dataset)}` ({blob.Name} disappeared from container {Container.Name} while it was fetched).");
                case VerifiedDownloadStatus.NoHash:
                    throw Unverifiable(dataset, blob.Name);
                case VerifiedDownloadStatus.Mismatch:
                    throw new DatasetUnavailableException(dataset,
                        $"Dataset {dataset} in blob storage is corrupt or truncated; upload it again with `{UploadCommand(dataset, force: true)}`. "
                        + $"Blob {blob.Name} in container {Container.Name} has SHA-256 {download.Actual}, its upload recorded {download.Expected}; it was not used.");
            }
            transfers.Add(new DatasetTransfer(blob.Name, file, new FileInfo(file).Length, download.Actual!, Transferred: true));
        }
        return transfers;
    }

    private DatasetUnavailableException Unverifiable(string dataset, string blob) => new(dataset,
        $"Dataset {dataset} in blob storage cannot be verified; upload it again with `{UploadCommand(dataset, force: true)}`. "
        + $"Blob {blob} in container {Container.Name} has no {VerifiedBlobs.Sha256Metadata} metadata; it was not used.");

    /// <summary>One listing (with metadata) of a dataset's blobs, or of all when <paramref name="dataset"/> is null.</summary>
    private async Task<Dictionary<string, StoredDatasetFile>> StoredAsync(string? dataset, CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, StoredDatasetFile>(StringComparer.Ordinal);
        try
        {
            await foreach (var item in Container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, dataset is null ? null : dataset + "/", cancellationToken))
                stored[item.Name] = new StoredDatasetFile(item.Name, item.Properties.ContentLength ?? 0, VerifiedBlobs.RecordedSha256(item.Metadata),
                    item.Properties.LastModified);
        }
        catch (RequestFailedException e) when (e.Status == 404) // no container yet: nothing uploaded
        {
        }
        return stored;
    }
}
