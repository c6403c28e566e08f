using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Results;
using Stitching.Engine.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// Local sweep output folders (sweep.json + results.csv) as one long table: one row per stitch with every setting of its
/// sweep, as the platform's <c>format=long-csv|parquet</c> answers, so local and platform sweeps concatenate.
/// </summary>
public sealed class ExportCommand : Command<ExportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<FOLDER>"), Description("Sweep output folders (each with sweep.json and results.csv); the folder's name is its sweep_id.")]
        public string[] Folders { get; init; } = [];

        [CommandOption("--format <FORMAT>"), Description("long-csv or parquet (default: parquet when --out ends in .parquet, else long-csv).")]
        public string? Format { get; init; }

        [CommandOption("--out <FILE>"), Description("Write to FILE (needed for parquet); long-csv goes to standard output without it.")]
        public string? Out { get; init; }

        public string ResolvedFormat => Format ?? (Out?.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase) == true ? "parquet" : "long-csv");

        public override ValidationResult Validate()
        {
            if (ResolvedFormat is not ("long-csv" or "parquet")) return ValidationResult.Error($"--format must be long-csv or parquet, got '{Format}'.");
            if (ResolvedFormat == "parquet" && Out is null) return ValidationResult.Error("--format parquet needs --out FILE.");
            if (Folders.FirstOrDefault(f => !SweepFolder.IsSweepFolder(f)) is { } bad)
                return ValidationResult.Error($"{bad} is not a sweep output folder (no sweep.json in it).");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var sweeps = settings.Folders.Select(SweepFolder.Read).ToList();
        if (settings.ResolvedFormat == "parquet") LongResultsParquet.WriteFile(settings.Out!, sweeps);
        else CliOutput.Write(settings.Out, w => LongResultsTable.WriteCsv(w, sweeps));
        if (settings.Out is not null)
            AnsiConsole.MarkupLine($"Wrote {sweeps.Sum(s => s.Rows.Count)} rows of {sweeps.Count} sweep(s) to {Markup.Escape(settings.Out)}.");
        return 0;
    }
}
