using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Interop;
using Stitching.Engine.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>export-model</c>: base-model checkpoints as safetensors with torchvision's parameter names, for python/stitching_torch.
/// A local sweep keeps its trained stitches as safetensors already (<see cref="SweepOutputs.StitchFile"/>); with
/// <c>--sweep</c> this writes the sweep's base models beside them, so the folder holds every piece of its stitched networks.
/// </summary>
public sealed class ExportModelCommand : Command<ExportModelCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--model <KEY>"), Description("A base model's key (the checkpoint's file name without .bin/.json, as in models.csv's folder); repeat for several.")]
        public string[] Models { get; init; } = [];

        [CommandOption("--sweep <DIR>"), Description("A local sweep folder: export every base model it used (its senders, receivers and random controls).")]
        public string? Sweep { get; init; }

        [CommandOption("--models-dir <DIR>"), Description("Where the checkpoints are (default: ~/.cache/stitching/models).")]
        public string? ModelsDir { get; init; }

        [CommandOption("--out <DIR>"), Description("Folder for <key>.safetensors (default: <sweep>/models with --sweep; needed with --model).")]
        public string? Out { get; init; }

        public string ResolvedModelsDir => ModelsDir ?? CommonSettings.DefaultModelsDir;

        public override ValidationResult Validate()
        {
            if ((Models.Length > 0) == (Sweep is not null)) return ValidationResult.Error("Give either --model KEY (repeatable) or --sweep DIR.");
            if (Sweep is not null && !SweepFolder.IsSweepFolder(Sweep)) return ValidationResult.Error($"{Sweep} is not a sweep output folder (no sweep.json in it).");
            if (Sweep is null && Out is null) return ValidationResult.Error("--model needs --out DIR.");
            // A key names a file in --models-dir; anything with a path in it is not a key.
            if (Models.FirstOrDefault(k => k.Length == 0 || k != Path.GetFileName(k) || k.StartsWith('.')) is { } bad)
                return ValidationResult.Error($"'{bad}' is not a model key (a file name in --models-dir without its extension).");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var keys = settings.Sweep is { } sweep
            ? SweepPlan.Create(SweepManifest.Read(sweep)!.Spec).Models.Select(m => m.Key).ToList()
            : settings.Models.Distinct().ToList();
        var outDir = settings.Out ?? Path.Combine(settings.Sweep!, "models");
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.Combine(outDir, key + SafeTensorsFile.Extension);
            var info = TorchExport.WriteCheckpoint(settings.ResolvedModelsDir, key, path);
            AnsiConsole.MarkupLine($"{Markup.Escape(path)}: {Markup.Escape(info.Spec.Arch)} width {info.Spec.Width}, {(info.Spec.Trained ? "trained" : "random")}, seed {info.Spec.Seed}");
        }
        if (settings.Sweep is { } folder)
        {
            var stitches = Path.Combine(folder, SweepOutputs.StitchesFolder);
            AnsiConsole.MarkupLine(Directory.Exists(stitches)
                ? $"The sweep's stitches are in {Markup.Escape(stitches)}."
                : "This sweep kept no stitches: it ran before local sweeps kept them (rerun it into a new folder to get them).");
        }
        return 0;
    }
}
