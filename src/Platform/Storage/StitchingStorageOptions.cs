using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
namespace Stitching.Platform.Storage;

/// <summary>
/// Where tables and blobs live, bound from <c>Stitching:Storage</c>. A connection string is for Azurite only;
/// in Azure give the service URIs and the app's managed identity is used (AZURE_CLIENT_ID picks a user-assigned one).
/// </summary>
public sealed class StitchingStorageOptions
{
    public const string Section = "Stitching:Storage";

    public string? ConnectionString { get; set; }
    public Uri? BlobServiceUri { get; set; }
    public Uri? TableServiceUri { get; set; }
    public Uri? QueueServiceUri { get; set; }

    /// <summary>Prepended to every table, container and queue name: lets tests (or two deployments) share one account.</summary>
    public string NamePrefix { get; set; } = "";
}
