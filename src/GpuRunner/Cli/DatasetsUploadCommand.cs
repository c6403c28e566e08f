using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Datasets;
using Stitching.Engine.Data;
using Stitching.Platform.Storage;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>datasets upload</c>: puts a dataset from this machine's copy into the <c>datasets</c> blob container, where the
/// runners fetch it. The local files are read by the engine's own readers first (no tensor, no native library), so a
/// broken copy is never uploaded;
/// blobs whose size and SHA-256 already match are skipped, so running it again is harmless.
/// </summary>
public sealed class DatasetsUploadCommand : AsyncCommand<DatasetsUploadCommand.Settings>
{
    public sealed class Settings : DatasetStorageSettings
    {
        [CommandOption("--dataset <NAME>"), Description("fashion-mnist, cifar10, cifar100, or images-<name> (prepared with `datasets prepare`).")]
        public string? Dataset { get; init; }

        [CommandOption("--data-dir <DIR>"), Description("Folder with the local copy (default: /usr/share/datasets/fashion-mnist, ~/.cache/stitching/<dataset>).")]
        public string? DataDir { get; init; }

        [CommandOption("--force"), Description("Upload every file even when the stored one has the same SHA-256 (repairs a blob whose bytes were damaged after upload).")]
        public bool Force { get; init; }

        public override ValidationResult Validate()
        {
            if (Dataset is null) return ValidationResult.Error($"Give --dataset: {DatasetFiles.Described}.");
            if (!DatasetFiles.IsKnown(Dataset)) return ValidationResult.Error($"Unknown dataset '{Dataset}'; known: {DatasetFiles.Described}.");
            return base.Validate();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var dataset = settings.Dataset!;
        var options = new DatasetOptions { Name = dataset, Folder = settings.DataDir };
        var folder = DatasetLoader.FilesFolder(options);
        var missing = DatasetFiles.Of(dataset).Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        if (missing.Count > 0)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape($"{folder} lacks {string.Join(", ", missing)}; nothing was uploaded. {DatasetLoader.Remedy(dataset, folder)}")}");
            return 2;
        }
        // The engine's readers check headers, lengths and labels: what a runner would refuse is refused here. Verify makes
        // no tensor, so this command never loads libtorch (it runs on deployers' macOS and Windows machines).
        DatasetLoader.Verify(new DatasetOptions { Name = dataset, Folder = folder });

        if (settings.Store() is not { } store) return 2;
        return await DatasetStorageSettings.GuardAsync(store, async () =>
        {
            var transfers = await store.UploadAsync(dataset, folder, settings.Force, cancellationToken);
            var table = new Table().AddColumns("Blob", "MB", "SHA-256", "");
            foreach (var t in transfers)
                table.AddRow(Markup.Escape(t.Blob), (t.Bytes / 1e6).ToString("F1", CultureInfo.InvariantCulture), t.Sha256[..16] + "…", t.Transferred ? "uploaded" : "already there");
            AnsiConsole.Write(table);
            var uploaded = transfers.Count(t => t.Transferred);
            AnsiConsole.MarkupLine(Markup.Escape($"{dataset}: {transfers.Count} files in blob container {store.Container.Uri.GetLeftPart(UriPartial.Path)}: {uploaded} uploaded, "
                + $"{transfers.Count - uploaded} already there with the same SHA-256."));
            return 0;
        });
    }
}
