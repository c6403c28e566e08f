using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Datasets;
using Stitching.Engine.Data;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>datasets prepare</c>: makes an image-folder dataset (<c>images-{name}</c>) from a folder of class folders of PNG or
/// JPEG images (<see cref="ImageFolderPreparer"/>): decoded, resized to 32x32, split, written as dataset.json, train.bin and
/// test.bin into the data folder, where <c>train</c>, <c>sweep</c> and <c>datasets upload</c> find it by its name.
/// </summary>
public sealed class DatasetsPrepareCommand : Command<DatasetsPrepareCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--images <DIR>"), Description("Folder with one subfolder of PNG/JPEG images per class (or train/ and test/ folders that each hold them).")]
        public string? Images { get; init; }

        [CommandOption("--dataset <NAME>"), Description("images-<name>: the name sweeps and uploads use (lowercase letters, digits, hyphens).")]
        public string? Dataset { get; init; }

        [CommandOption("--data-dir <DIR>"), Description("Folder to write the dataset's three files into, the --data-dir that train, sweep and datasets upload then take (default: ~/.cache/stitching/images-<name>, where they look without one).")]
        public string? DataDir { get; init; }

        [CommandOption("--test-fraction <F>"), Description("Share of each class's images (every 1/F-th in file-name order) kept for the test split when there are no train/ and test/ folders. Default 0.2.")]
        public double TestFraction { get; init; } = ImageFolderPreparer.DefaultTestFraction;

        public override ValidationResult Validate()
        {
            if (Images is null) return ValidationResult.Error("Give --images: the folder of class folders.");
            if (!DatasetFiles.IsImageFolder(Dataset))
                return ValidationResult.Error($"Give --dataset images-<name> (1..40 lowercase letters, digits and hyphens after '{DatasetFiles.ImagesPrefix}'), got '{Dataset}'.");
            if (!(TestFraction > 0 && TestFraction < 1)) return ValidationResult.Error($"--test-fraction must be in (0, 1), got {TestFraction}.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // --data-dir means what it means for train, sweep and upload: the folder holding this dataset's files.
        var target = settings.DataDir ?? DatasetOptions.DefaultFolder(settings.Dataset!);
        var prepared = ImageFolderPreparer.Prepare(settings.Images!, settings.Dataset!, target, settings.TestFraction);
        var m = prepared.Manifest;
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{m.Name}: {m.ClassNames.Count} classes ({string.Join(", ", m.ClassNames.Take(10))}{(m.ClassNames.Count > 10 ? ", ..." : "")}), {m.Channels} channel(s), "
            + $"{m.TrainImages} train and {m.TestImages} test images at {m.ImageSize}x{m.ImageSize}, written to {prepared.Folder}.")));
        if (prepared.Skipped.Count > 0)
            AnsiConsole.MarkupLine(Markup.Escape($"Skipped {prepared.Skipped.Count} file(s) that are not .png, .jpg or .jpeg, e.g. {prepared.Skipped[0]}."));
        var dataDir = settings.DataDir is { } d ? $" --data-dir {d}" : "";
        AnsiConsole.MarkupLine(Markup.Escape($"Train on it with `train --dataset {m.Name}{dataDir}` or `sweep --dataset {m.Name}{dataDir}`; "
            + $"for the platform, `datasets upload --dataset {m.Name}{dataDir}`."));
        return 0;
    }
}
