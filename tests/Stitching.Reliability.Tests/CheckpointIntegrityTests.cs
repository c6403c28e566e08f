using Azure.Storage.Blobs.Models;
using Stitching.Domain.Jobs;
using Stitching.Domain.Datasets;
using Stitching.Platform.Storage;

namespace Stitching.Reliability.Tests;

public sealed class CheckpointIntegrityTests
{
    [AzuriteFact]
    public async Task A_truncated_or_corrupted_checkpoint_blob_is_refused_with_a_clear_error_and_never_cached()
    {
        await using var env = await SweepEnvironment.CreateAsync(TimeSpan.FromSeconds(30));
        var store = env.Platform.Checkpoints;
        var source = Path.Combine(env.WorkDirectory, "source");
        var bytes = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 7)).ToArray();
        Directory.CreateDirectory(Path.Combine(source, "models"));
        await File.WriteAllBytesAsync(CheckpointFiles.ModelFile(source, "m1"), bytes);
        await store.UploadModelAsync("m1", source);

        // Intact: downloaded and cached.
        var good = Path.Combine(env.WorkDirectory, "good");
        await store.DownloadModelAsync("m1", good);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(CheckpointFiles.ModelFile(good, "m1")));

        var blob = store.Container.GetBlobClient("models/m1.bin");
        var metadata = (await blob.GetPropertiesAsync()).Value.Metadata;
        foreach (var (what, damaged) in new[] { ("truncated", bytes[..5000]), ("corrupted", bytes.Select((b, i) => i == 1234 ? (byte)(b ^ 1) : b).ToArray()) })
        {
            // Same metadata, other bytes: what a torn upload or bit rot leaves behind.
            await blob.UploadAsync(new BinaryData(damaged), new BlobUploadOptions { Metadata = metadata });
            var cache = Path.Combine(env.WorkDirectory, what);

            var e = await Assert.ThrowsAsync<CheckpointUnavailableException>(() => store.DownloadModelAsync("m1", cache));

            Assert.Contains("corrupt or truncated", e.Message);
            Assert.Contains(metadata[CheckpointStore.Sha256Metadata], e.Message);
            Assert.False(File.Exists(CheckpointFiles.ModelFile(cache, "m1")), what);
            Assert.Empty(Directory.Exists(Path.Combine(cache, "models")) ? Directory.GetFiles(Path.Combine(cache, "models")) : []);
        }

        // Without the checksum it cannot be verified, so it is not used either.
        await blob.UploadAsync(new BinaryData(bytes), new BlobUploadOptions());
        var unverified = await Assert.ThrowsAsync<CheckpointUnavailableException>(() => store.DownloadModelAsync("m1", Path.Combine(env.WorkDirectory, "nometa")));
        Assert.Contains("cannot be verified", unverified.Message);
    }
}
