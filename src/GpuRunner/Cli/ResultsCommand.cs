using System.ComponentModel;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Core;
using Stitching.Core.Contracts;
using Stitching.Core.Results;

namespace Stitching.GpuRunner.Cli;

/// <summary>Reads a sweep's results (or the list of sweeps) straight from the result tables, as a table, CSV or JSON.</summary>
public sealed class ResultsCommand : AsyncCommand<ResultsCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--list"), Description("List the sweeps instead of one sweep's results.")]
        public bool List { get; init; }

        [CommandOption("--sweep <ID>"), Description("The sweep whose results to show.")]
        public string? Sweep { get; init; }

        [CommandOption("--variant <NAME>"), Description("Only this variant (e.g. trained->trained or its slug).")]
        public string? Variant { get; init; }

        [CommandOption("--sender-layer <LAYER>"), Description("Only stitches from this sender layer.")]
        public string? SenderLayer { get; init; }

        [CommandOption("--receiver-layer <LAYER>"), Description("Only stitches into this receiver layer.")]
        public string? ReceiverLayer { get; init; }

        [CommandOption("--format <FORMAT>"), Description("table (default), csv (the engine's results.csv columns) or json.")]
        public string Format { get; init; } = "table";

        [CommandOption("--out <FILE>"), Description("Write to FILE instead of standard output.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (Format is not ("table" or "csv" or "json")) return ValidationResult.Error($"--format must be table, csv or json, got '{Format}'.");
            if (!List && string.IsNullOrWhiteSpace(Sweep)) return ValidationResult.Error("Give --sweep ID, or --list to see the sweeps.");
            if (Format == "table" && Out is not null) return ValidationResult.Error("--out needs --format csv or json.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var platform = StitchingPlatform.FromConfiguration(PlatformConfiguration.Build());
        if (settings.List)
        {
            var sweeps = await platform.Coordinator.ListAsync(cancellationToken);
            if (settings.Format == "table") AnsiConsole.Write(SweepTable(sweeps));
            else Write(settings.Out, w => WriteSweeps(w, sweeps, settings.Format));
            return 0;
        }
        if (await platform.Storage.GetSweepAsync(settings.Sweep!, cancellationToken) is null)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] no sweep {Markup.Escape(settings.Sweep!)}.");
            return 1;
        }
        var rows = await platform.Results.ListAsync(settings.Sweep!, new ResultsFilter(settings.Variant, settings.SenderLayer, settings.ReceiverLayer), cancellationToken);
        switch (settings.Format)
        {
            case "csv": Write(settings.Out, w => ResultsCsv.Write(w, rows.Select(r => r.Result))); break;
            case "json": Write(settings.Out, w => w.Write(JsonSerializer.Serialize(rows, PlatformJsonContext.Default.IReadOnlyListStoredResult))); break;
            default: AnsiConsole.Write(ResultTable(rows)); break;
        }
        return 0;
    }

    private static void Write(string? path, Action<TextWriter> write)
    {
        if (path is null)
        {
            write(Console.Out);
            Console.Out.Flush();
        }
        else AtomicFile.Write(path, write);
    }

    private static void WriteSweeps(TextWriter w, IReadOnlyList<SweepSummary> sweeps, string format)
    {
        if (format == "json")
        {
            w.Write(JsonSerializer.Serialize(sweeps, PlatformJsonContext.Default.IReadOnlyListSweepSummary));
            return;
        }
        Csv.WriteRow(w, ["sweep_id", "name", "state", "created_at", "model_jobs", "stitch_jobs"]);
        foreach (var s in sweeps)
            Csv.WriteRow(w, [s.SweepId, s.Name ?? "", s.State.ToString(), s.CreatedAt.ToString("O"), Csv.Format(s.ModelJobs), Csv.Format(s.StitchJobs)]);
    }

    private static Table SweepTable(IReadOnlyList<SweepSummary> sweeps)
    {
        var table = new Table().AddColumns("Sweep", "Name", "State", "Created (UTC)", "Models", "Stitches");
        foreach (var s in sweeps)
            table.AddRow(Markup.Escape(s.SweepId), Markup.Escape(s.Name ?? ""), s.State.ToString(), s.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm"),
                s.ModelJobs.ToString(), s.StitchJobs.ToString());
        return table;
    }

    private static Table ResultTable(IReadOnlyList<StoredResult> rows)
    {
        var table = new Table().AddColumns("Variant", "Sender", "Layer", "Receiver", "Layer", "Stitch", "Seed", "Accuracy", "Loss", "Seconds");
        foreach (var r in rows.Select(x => x.Result))
            table.AddRow(Markup.Escape(r.Variant), Markup.Escape(r.SenderArch), Markup.Escape(r.SenderLayer), Markup.Escape(r.ReceiverArch), Markup.Escape(r.ReceiverLayer),
                Markup.Escape(r.StitchKind), r.StitchSeed.ToString(), r.Accuracy.ToString("P1"), r.Loss.ToString("F3"), r.Seconds.ToString("F1"));
        table.Caption($"{rows.Count} results");
        return table;
    }
}
