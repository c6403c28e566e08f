using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Datasets;
using Stitching.Platform.Storage;

namespace Stitching.GpuRunner.Cli;

/// <summary><c>datasets list</c>: the blobs of the <c>datasets</c> container, and for each known dataset whether runners can fetch it.</summary>
public sealed class DatasetsListCommand : AsyncCommand<DatasetStorageSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, DatasetStorageSettings settings, CancellationToken cancellationToken)
    {
        if (settings.Store() is not { } store) return 2;
        return await DatasetStorageSettings.GuardAsync(store, async () =>
        {
            var stored = await store.ListAsync(cancellationToken);
            AnsiConsole.MarkupLine(Markup.Escape($"Blob container {store.Container.Uri.GetLeftPart(UriPartial.Path)}:"));
            var table = new Table().AddColumns("Blob", "MB", "SHA-256", "Uploaded (UTC)");
            foreach (var f in stored)
                table.AddRow(Markup.Escape(f.Blob), (f.Bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture), f.Sha256 ?? "[red]none: cannot be verified[/]",
                    f.LastModified?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "");
            AnsiConsole.Write(table);
            var names = stored.Select(f => f.Blob).ToHashSet(StringComparer.Ordinal);
            // Image folders have no fixed list: every images-<name>/ prefix in the container is one.
            var imageFolders = stored.Select(f => f.Blob.Split('/')[0]).Where(DatasetFiles.IsImageFolder).Distinct().Order(StringComparer.Ordinal);
            foreach (var dataset in DatasetFiles.Names.Concat(imageFolders))
            {
                var files = DatasetFiles.Of(dataset);
                var present = files.Count(f => names.Contains(DatasetStore.BlobName(dataset, f)));
                var unverifiable = stored.Any(f => f.Sha256 is null && f.Blob.StartsWith(dataset + "/", StringComparison.Ordinal));
                AnsiConsole.MarkupLine(Markup.Escape(present == files.Count && !unverifiable
                    ? $"{dataset}: complete ({present} of {files.Count} files)"
                    : $"{dataset}: {(present == 0 ? "not uploaded" : $"incomplete ({present} of {files.Count} files{(unverifiable ? ", some without a hash" : "")})")}; runners fail its jobs until `{DatasetStore.UploadCommand(dataset, force: unverifiable)}` is run"));
            }
            return 0;
        });
    }
}
