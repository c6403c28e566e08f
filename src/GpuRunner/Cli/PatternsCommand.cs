using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Analysis;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Sweeps;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>patterns</c>: reads a finished sweep folder (sweep.json + results.csv) and writes the seed paper's patterns and the
/// interaction matrix again under the current design (<see cref="Core.Analysis.PatternDesign"/>), without training: the
/// way a design change re-reads committed results.
/// </summary>
public sealed class PatternsCommand : Command<PatternsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FOLDER>"), Description("A sweep output folder with sweep.json and results.csv.")]
        public string Folder { get; init; } = "";

        [CommandOption("--out <DIR>"), Description("Where patterns.md/.json and matrix-interaction.* go (default: the folder itself; a pairs/ subfolder per pair as a sweep writes them).")]
        public string? Out { get; init; }

        public override ValidationResult Validate() => SweepFolder.IsSweepFolder(Folder)
            ? ValidationResult.Success()
            : ValidationResult.Error($"{Folder} is not a sweep output folder (no sweep.json in it).");
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var sweep = SweepFolder.Read(settings.Folder);
        var plan = SweepPlan.Create(sweep.Spec);
        var outDirectory = settings.Out ?? settings.Folder;
        foreach (var pair in plan.Pairs)
        {
            var dir = SweepOutputs.PairDirectory(outDirectory, plan, pair);
            Directory.CreateDirectory(dir);
            var written = SweepOutputs.WritePatterns(dir, SweepReport.Build(plan, pair, sweep.Rows));
            AnsiConsole.WriteLine($"{pair.SenderArch.Name} -> {pair.ReceiverArch.Name}: wrote {string.Join(", ", written.Select(Path.GetFileName))} to {dir}");
            var md = Path.Combine(dir, SweepOutputs.PatternsFile + ".md");
            if (File.Exists(md)) AnsiConsole.WriteLine(File.ReadAllText(md));
        }
        return 0;
    }
}
