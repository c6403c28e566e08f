using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Datasets;
using Stitching.Platform.Storage;
using Stitching.Engine.Data;

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
        [CommandOption("--dataset <NAME>"), Description("fashion-mnist or cifar10.")]
        public string? Dataset { get; init; }

        [CommandOption("--data-dir <DIR>"), Description("Folder with the local copy (default: /usr/share/datasets/fashion-mnist, ~/.cache/stitching/cifar10).")]
        public string? DataDir { get; init; }

        [CommandOption("--force"), Description("Upload every file even when the stored one has the same SHA-256 (repairs a blob whose bytes were damaged after upload).")]
        public bool Force { get; init; }

        public override ValidationResult Validate()
        {
            if (Dataset is null) return ValidationResult.Error($"Give --dataset: {string.Join(" or ", DatasetFiles.Names)}.");
            if (!DatasetFiles.Names.Contains(Dataset)) return ValidationResult.Error($"Unknown dataset '{Dataset}'; known: {string.Join(", ", DatasetFiles.Names)}.");
            return base.Validate();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var dataset = settings.Dataset!;
        var folder = settings.DataDir ?? DatasetOptions.DefaultFolder(dataset);
        if (dataset == DatasetOptions.Cifar10) folder = Cifar10Loader.DataFolder(folder);
        var missing = DatasetFiles.Of(dataset).Where(f => !File.Exists(Path.Combine(folder, f))).ToList();
        if (missing.Count > 0)
        {
            var remedy = dataset == DatasetOptions.Cifar10 ? Cifar10Loader.Remedy(folder) : FashionMnistLoader.Remedy;
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape($"{folder} lacks {string.Join(", ", missing)}; nothing was uploaded. {remedy}")}");
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
