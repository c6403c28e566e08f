using System.ComponentModel;
using Azure;
using Azure.Identity;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Datasets;
using Stitching.Platform.Storage;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// Where the <c>datasets</c> commands find the blob container: the same <c>Stitching:Storage</c> settings as
/// <c>worker</c> and <c>results</c> (<c>Stitching__Storage__ConnectionString</c> for Azurite, or
/// <c>Stitching__Storage__BlobServiceUri</c> with DefaultAzureCredential, and <c>Stitching__Storage__NamePrefix</c>),
/// or <c>--blob-service-uri</c>, which overrides them.
/// </summary>
public class DatasetStorageSettings : CommandSettings
{
    [CommandOption("--blob-service-uri <URI>"), Description("Azure: the storage account's blob endpoint (https://ACCOUNT.blob.core.windows.net), reached with DefaultAzureCredential "
        + "(az login / azd auth login / managed identity). Default: Stitching__Storage__BlobServiceUri, or Stitching__Storage__ConnectionString for Azurite.")]
    public string? BlobServiceUri { get; init; }

    public override ValidationResult Validate() =>
        BlobServiceUri is null || Uri.TryCreate(BlobServiceUri, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http"
            ? ValidationResult.Success()
            : ValidationResult.Error($"--blob-service-uri must be an absolute URL such as https://ACCOUNT.blob.core.windows.net, got '{BlobServiceUri}'.");

    /// <summary>The configured container, or null after printing what to set.</summary>
    public DatasetStore? Store()
    {
        var overrides = new Dictionary<string, string?>();
        if (BlobServiceUri is { } uri)
        {
            overrides[$"{StitchingStorageOptions.Section}:{nameof(StitchingStorageOptions.BlobServiceUri)}"] = uri;
            overrides[$"{StitchingStorageOptions.Section}:{nameof(StitchingStorageOptions.ConnectionString)}"] = ""; // the explicit endpoint wins
        }
        var options = PlatformConfiguration.Storage(PlatformConfiguration.Build(overrides));
        if (options.ConnectionString is { Length: > 0 } || options.BlobServiceUri is not null) return DatasetStore.Create(options);
        AnsiConsole.MarkupLine("[red]error:[/] no storage configured. Azurite: export Stitching__Storage__ConnectionString=UseDevelopmentStorage=true; "
            + "Azure: pass --blob-service-uri https://ACCOUNT.blob.core.windows.net (or export Stitching__Storage__BlobServiceUri).");
        return null;
    }

    /// <summary>Runs <paramref name="body"/>; storage that refuses or does not answer ends it with one message and exit code 1.</summary>
    public static async Task<int> GuardAsync(DatasetStore store, Func<Task<int>> body)
    {
        try
        {
            return await body();
        }
        catch (Exception e) when (StorageFailures.Is(e) || e is AuthenticationFailedException)
        {
            var first = e is AggregateException a ? a.InnerExceptions[^1] : e;
            AnsiConsole.MarkupLine($"[red]error:[/] blob container {Markup.Escape(store.Container.Uri.GetLeftPart(UriPartial.Path))}: {Markup.Escape(first.Message.Split('\n')[0])}");
            AnsiConsole.MarkupLine(e is RequestFailedException { Status: 403 } && StorageClients.HasSas(store.Container.Uri)
                ? "The SAS in Stitching__Storage__BlobServiceUri does not grant this: each offline component's SAS holds only its own rights. "
                  + "Uploading and listing datasets is the uploader's: Stitching.GpuRunner sas --component uploader."
                : e is AuthenticationFailedException
                ? "Sign in first (az login, or azd auth login), or run where a managed identity is assigned (AZURE_CLIENT_ID picks a user-assigned one)."
                : "Azurite: is it running (bash scripts/start-azurite.sh)? Azure: is the endpoint right, and does the signed-in identity have "
                  + "Storage Blob Data Contributor (upload) or Storage Blob Data Reader (list) on the account?");
            return 1;
        }
    }
}
