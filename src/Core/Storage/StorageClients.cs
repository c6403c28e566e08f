using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;

namespace Stitching.Core.Storage;

/// <summary>Builds the SDK service clients from <see cref="StitchingStorageOptions"/>.</summary>
public static class StorageClients
{
    public static TokenCredential Credential() => new DefaultAzureCredential(new DefaultAzureCredentialOptions
    {
        // Explicit so a user-assigned identity is used by every credential in the chain, not only the environment one.
        ManagedIdentityClientId = Environment.GetEnvironmentVariable("AZURE_CLIENT_ID"),
    });

    public static TableServiceClient Tables(StitchingStorageOptions o) =>
        o.ConnectionString is { Length: > 0 } cs ? new TableServiceClient(cs, WithRetry(new TableClientOptions()))
        : new TableServiceClient(o.TableServiceUri ?? throw Missing("TableServiceUri"), Credential(), WithRetry(new TableClientOptions()));

    public static BlobServiceClient Blobs(StitchingStorageOptions o) =>
        o.ConnectionString is { Length: > 0 } cs ? new BlobServiceClient(cs, WithRetry(new BlobClientOptions()))
        : new BlobServiceClient(o.BlobServiceUri ?? throw Missing("BlobServiceUri"), Credential(), WithRetry(new BlobClientOptions()));

    public static QueueServiceClient Queues(StitchingStorageOptions o) =>
        o.ConnectionString is { Length: > 0 } cs ? new QueueServiceClient(cs, QueueOptions())
        : new QueueServiceClient(o.QueueServiceUri ?? throw Missing("QueueServiceUri"), Credential(), QueueOptions());

    // Base64 so the messages are readable by a Functions queue trigger too.
    private static QueueClientOptions QueueOptions() => WithRetry(new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 });

    /// <summary>
    /// Exponential retries spanning about half a minute (0.5, 1, 2, 4, 8, 10 s), then the call fails and the worker's
    /// loop backs off further; a 30 s network timeout instead of the SDK's 100 s, so an unresponsive endpoint
    /// fails a call instead of hanging it. Blob transfers are chunked, so the timeout bounds one chunk, not a file.
    /// </summary>
    private static T WithRetry<T>(T options) where T : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 6;
        options.Retry.Delay = TimeSpan.FromSeconds(0.5);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(10);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }

    private static InvalidOperationException Missing(string key) =>
        new($"Set {StitchingStorageOptions.Section}:ConnectionString (Azurite) or {StitchingStorageOptions.Section}:{key}.");
}
