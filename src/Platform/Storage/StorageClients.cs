using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;

namespace Stitching.Platform.Storage;

/// <summary>Builds the SDK service clients from <see cref="StitchingStorageOptions"/>.</summary>
public static class StorageClients
{
    public static TokenCredential Credential() => new DefaultAzureCredential(new DefaultAzureCredentialOptions
    {
        // Explicit so a user-assigned identity is used by every credential in the chain, not only the environment one.
        ManagedIdentityClientId = Environment.GetEnvironmentVariable("AZURE_CLIENT_ID"),
    });

    // A service URI that carries a SAS (offline: one per component, from `Stitching.GpuRunner sas`) is used as it is;
    // one without is reached with the managed identity, which needs https (Azure). The client options and credential
    // come from the host's AddAzureClients (AddStitchingPlatform); without them each call makes its own, with the same retries.
    public static TableServiceClient Tables(StitchingStorageOptions o, TableClientOptions? options = null, TokenCredential? credential = null)
    {
        options ??= WithRetry(new TableClientOptions());
        return o.ConnectionString is { Length: > 0 } cs ? new TableServiceClient(cs, options)
            : Endpoint(o.TableServiceUri, nameof(o.TableServiceUri)) is var uri && HasSas(uri) ? new TableServiceClient(uri, options)
            : new TableServiceClient(uri, credential ?? Credential(), options);
    }

    public static BlobServiceClient Blobs(StitchingStorageOptions o, BlobClientOptions? options = null, TokenCredential? credential = null)
    {
        options ??= WithRetry(new BlobClientOptions());
        return o.ConnectionString is { Length: > 0 } cs ? new BlobServiceClient(cs, options)
            : Endpoint(o.BlobServiceUri, nameof(o.BlobServiceUri)) is var uri && HasSas(uri) ? new BlobServiceClient(uri, options)
            : new BlobServiceClient(uri, credential ?? Credential(), options);
    }

    public static QueueServiceClient Queues(StitchingStorageOptions o, QueueClientOptions? options = null, TokenCredential? credential = null)
    {
        options ??= WithRetry(new QueueClientOptions());
        options.MessageEncoding = QueueMessageEncoding.Base64; // readable by a Functions queue trigger too
        return o.ConnectionString is { Length: > 0 } cs ? new QueueServiceClient(cs, options)
            : Endpoint(o.QueueServiceUri, nameof(o.QueueServiceUri)) is var uri && HasSas(uri) ? new QueueServiceClient(uri, options)
            : new QueueServiceClient(uri, credential ?? Credential(), options);
    }

    /// <summary>
    /// What is wrong with <paramref name="o"/> for the services a platform reaches (tables and blobs, and queues when
    /// <paramref name="queues"/>), naming the setting; null when every client can be built. Checked at host start.
    /// </summary>
    public static string? Problem(StitchingStorageOptions o, bool queues)
    {
        if (o.ConnectionString is { Length: > 0 }) return null;
        try
        {
            Endpoint(o.TableServiceUri, nameof(o.TableServiceUri));
            Endpoint(o.BlobServiceUri, nameof(o.BlobServiceUri));
            if (queues) Endpoint(o.QueueServiceUri, nameof(o.QueueServiceUri));
            return null;
        }
        catch (StorageConfigurationException e)
        {
            return e.Message;
        }
    }

    /// <summary>Whether a service URI carries a SAS token (a <c>sig</c> query parameter).</summary>
    public static bool HasSas(Uri uri) =>
        uri.IsAbsoluteUri && uri.Query.TrimStart('?').Split('&').Any(p => p.StartsWith("sig=", StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// The configured service URI. A plain-http one (Azurite) must carry a SAS: the managed identity's bearer tokens are
    /// only sent over https, so without one every request would fail later with a less helpful message.
    /// </summary>
    private static Uri Endpoint(Uri? uri, string key)
    {
        if (uri is null) throw Missing(key);
        if (!uri.IsAbsoluteUri || uri.Scheme is not ("https" or "http"))
            throw new StorageConfigurationException($"{StitchingStorageOptions.Section}:{key} must be an absolute http(s) URI, got '{uri}'.");
        if (uri.Scheme == "http" && !HasSas(uri))
            throw new StorageConfigurationException($"{StitchingStorageOptions.Section}:{key} is {uri.GetLeftPart(UriPartial.Path)} with no SAS token (no 'sig=' in its query). "
                + "Offline (http, Azurite) each component's service URIs carry its own SAS: print them with "
                + "`Stitching.GpuRunner sas --component api|runner|timer|uploader`, or set "
                + $"{StitchingStorageOptions.Section}:ConnectionString. In Azure use the https endpoint, reached with the managed identity.");
        return uri;
    }

    /// <summary>
    /// Exponential retries spanning about half a minute (0.5, 1, 2, 4, 8, 10 s), then the call fails and the worker's
    /// loop backs off further; a 30 s network timeout instead of the SDK's 100 s, so an unresponsive endpoint
    /// fails a call instead of hanging it. Blob transfers are chunked, so the timeout bounds one chunk, not a file.
    /// </summary>
    public static T WithRetry<T>(T options) where T : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 6;
        options.Retry.Delay = TimeSpan.FromSeconds(0.5);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(10);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }

    private static StorageConfigurationException Missing(string key) =>
        new($"Set {StitchingStorageOptions.Section}:{key}: in Azure the https endpoint (managed identity); offline the SAS-bearing URI that "
            + $"`Stitching.GpuRunner sas --component api|runner|timer|uploader` prints for this component (none when its role gives it no right on this service). Or set {StitchingStorageOptions.Section}:ConnectionString (Azurite, every right).");
}
