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
        o.ConnectionString is { Length: > 0 } cs ? new TableServiceClient(cs)
        : new TableServiceClient(o.TableServiceUri ?? throw Missing("TableServiceUri"), Credential());

    public static BlobServiceClient Blobs(StitchingStorageOptions o) =>
        o.ConnectionString is { Length: > 0 } cs ? new BlobServiceClient(cs)
        : new BlobServiceClient(o.BlobServiceUri ?? throw Missing("BlobServiceUri"), Credential());

    public static QueueServiceClient Queues(StitchingStorageOptions o) =>
        o.ConnectionString is { Length: > 0 } cs ? new QueueServiceClient(cs, QueueOptions())
        : new QueueServiceClient(o.QueueServiceUri ?? throw Missing("QueueServiceUri"), Credential(), QueueOptions());

    // Base64 so the messages are readable by a Functions queue trigger too.
    private static QueueClientOptions QueueOptions() => new() { MessageEncoding = QueueMessageEncoding.Base64 };

    private static InvalidOperationException Missing(string key) =>
        new($"Set {StitchingStorageOptions.Section}:ConnectionString (Azurite) or {StitchingStorageOptions.Section}:{key}.");
}
