using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Engine.Data;

namespace Stitching.GpuRunner.Cli;

/// <summary><c>download cifar10</c>: fetch the official binary archive, verify its MD5, extract it.</summary>
public sealed class DownloadCommand : AsyncCommand<DownloadCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<DATASET>"), Description("cifar10 (Fashion-MNIST comes from the Debian package dataset-fashion-mnist).")]
        public string Dataset { get; init; } = "";

        [CommandOption("--data-dir <DIR>"), Description("Target folder (default ~/.cache/stitching/cifar10).")]
        public string? DataDir { get; init; }

        public override ValidationResult Validate() => Dataset switch
        {
            DatasetOptions.Cifar10 => ValidationResult.Success(),
            DatasetOptions.FashionMnist => ValidationResult.Error("Fashion-MNIST is installed by the Debian package: sudo apt-get install dataset-fashion-mnist (or pass --data-dir with the four IDX .gz files)."),
            DatasetOptions.Cifar100 => ValidationResult.Error(Cifar100Loader.Remedy(DatasetOptions.DefaultFolder(DatasetOptions.Cifar100))),
            _ => ValidationResult.Error($"Unknown dataset '{Dataset}'. Downloadable: cifar10."),
        };
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var folder = settings.DataDir ?? DatasetOptions.DefaultFolder(DatasetOptions.Cifar10);
        AnsiConsole.MarkupLine($"Downloading CIFAR-10 (binary version) into {Markup.Escape(folder)} ...");
        await Cifar10Downloader.DownloadAsync(folder, cancellationToken);
        AnsiConsole.MarkupLine("[green]done[/]: archive verified (MD5) and extracted.");
        return 0;
    }
}
