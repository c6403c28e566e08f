using System.ComponentModel;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// A sweep's results (or the list of sweeps) as a table, CSV, JSON or the long table, from the API with its URL and key
/// (<see cref="ResultsFromApi"/>: the routes GET /api/sweeps, /api/sweeps/{id}/results and /api/results). With
/// <c>--from-storage</c>, the operator's path: straight from the result tables with the <c>Stitching__Storage__*</c> settings.
/// </summary>
public sealed class ResultsCommand : AsyncCommand<ResultsCommand.Settings>
{
    public sealed class Settings : ApiSettings
    {
        [CommandOption("--list"), Description("List the sweeps instead of one sweep's results.")]
        public bool List { get; init; }

        [CommandOption("--tag <TAG>"), Description("With --list: only sweeps carrying this tag (repeat: all of them).")]
        public string[] Tags { get; init; } = [];

        [CommandOption("--state <STATE>"), Description("With --list: only sweeps in this state (Active, Cancelled, Planning; any case).")]
        public string? State { get; init; }

        [CommandOption("--since <TIME>"), Description("With --list: only sweeps created at or after this ISO 8601 date or time (2026-11-30, 2026-11-30T09:00Z; UTC without an offset).")]
        public string? Since { get; init; }

        [CommandOption("--page-size <N>"), Description("With --list: show one page of N sweeps (1..1000) and the token of the next; default: every page.")]
        public string? PageSize { get; init; }

        [CommandOption("--continuation <TOKEN>"), Description("With --list: the page after the one that printed TOKEN (same filters).")]
        public string? Continuation { get; init; }

        [CommandOption("--sweep <ID>"), Description("The sweep whose results to show; for long-csv and parquet, several as ID1,ID2 (one table, sweep by sweep).")]
        public string? Sweep { get; init; }

        [CommandOption("--variant <NAME>"), Description("Only this variant (e.g. trained->trained or its slug).")]
        public string? Variant { get; init; }

        [CommandOption("--sender-layer <LAYER>"), Description("Only stitches from this sender layer.")]
        public string? SenderLayer { get; init; }

        [CommandOption("--receiver-layer <LAYER>"), Description("Only stitches into this receiver layer.")]
        public string? ReceiverLayer { get; init; }

        [CommandOption("--format <FORMAT>"), Description("table (default), csv (the engine's results.csv columns), json, or the long table with every sweep setting on each row: long-csv or parquet (needs --out).")]
        public string Format { get; init; } = "table";

        [CommandOption("--kind <KIND>"), Description("task (default): the task-trained stitches' results; analysis: the per-stitch analyses the sweep asked for (--format csv, analysis.csv's columns, or json), as GET results?kind=analysis.")]
        public string Kind { get; init; } = "task";

        [CommandOption("--out <FILE>"), Description("Write to FILE instead of standard output.")]
        public string? Out { get; init; }

        [CommandOption("--from-storage"), Description("Operator path: read the result tables with the storage settings (Stitching__Storage__*) instead of the API.")]
        public bool FromStorage { get; init; }

        public override ValidationResult Validate()
        {
            if (Format is not ("table" or "csv" or "json" or "long-csv" or "parquet"))
                return ValidationResult.Error($"--format must be table, csv, json, long-csv or parquet, got '{Format}'.");
            if (!List && string.IsNullOrWhiteSpace(Sweep)) return ValidationResult.Error("Give --sweep ID, or --list to see the sweeps.");
            if (Kind is not ("task" or "analysis")) return ValidationResult.Error($"--kind must be task or analysis, got '{Kind}'.");
            if (Kind == "analysis" && Format is not ("csv" or "json")) return ValidationResult.Error("--kind analysis needs --format csv or json.");
            if (Format == "table" && Out is not null) return ValidationResult.Error("--out needs --format csv, json, long-csv or parquet.");
            if (Format == "parquet" && Out is null) return ValidationResult.Error("--format parquet needs --out FILE.");
            if (Format is not ("long-csv" or "parquet") && Sweep?.Contains(',') == true) return ValidationResult.Error("Several sweeps (--sweep ID1,ID2) need --format long-csv or parquet.");
            if (FromStorage && (ApiUrl is not null || ApiKey is not null)) return ValidationResult.Error("--from-storage reads storage, not the API: leave out --api-url and --api-key.");
            if (!List && (Tags.Length > 0 || State is not null || Since is not null || PageSize is not null || Continuation is not null))
                return ValidationResult.Error("--tag, --state, --since, --page-size and --continuation filter --list.");
            var (_, errors) = Query();
            // The API's parser, so the CLI accepts what GET /api/sweeps accepts; its fields are the API's parameter names.
            return errors.Count > 0 ? ValidationResult.Error(string.Join(" ", errors.Select(e => $"--{Option(e.Field)}: {e.Message}"))) : ValidationResult.Success();
        }

        /// <summary>The listing asked for: one page with --page-size or --continuation, otherwise every matching sweep.</summary>
        public (SweepListQuery? Query, IReadOnlyList<ValidationError> Errors) Query()
        {
            var (query, errors) = SweepListQuery.Parse(Tags, State, Since, PageSize, Continuation);
            return (query is not null && PageSize is null && Continuation is null ? query with { PageSize = int.MaxValue } : query, errors);
        }

        private static string Option(string field) => string.Concat(field.Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString()));
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!settings.FromStorage) return await ResultsFromApi.RunAsync(settings, cancellationToken);
        await using var services = PlatformConfiguration.Services();
        var platform = services.GetRequiredService<StitchingPlatform>();
        if (settings.List)
        {
            var page = await platform.Queries.ListPageAsync(settings.Query().Query!, cancellationToken);
            WriteList(settings, page);
            return 0;
        }
        var filter = new ResultsFilter(settings.Variant, settings.SenderLayer, settings.ReceiverLayer);
        if (settings.Format is "long-csv" or "parquet")
        {
            // A missing sweep is a KeyNotFoundException naming it, reported like the other errors a user can fix.
            var sweepIds = settings.Sweep!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
            var sweeps = await platform.Results.SweepResultsAsync(sweepIds, filter, cancellationToken);
            if (settings.Format == "parquet") LongResultsParquet.WriteFile(settings.Out!, sweeps);
            else CliOutput.Write(settings.Out, w => LongResultsTable.WriteCsv(w, sweeps));
            return 0;
        }
        if (await platform.Storage.GetSweepAsync(settings.Sweep!, cancellationToken) is null)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] no sweep {Markup.Escape(settings.Sweep!)}.");
            return 1;
        }
        if (settings.Kind == "analysis")
        {
            var analyses = await platform.Results.AnalysesAsync(settings.Sweep!, filter, cancellationToken);
            if (settings.Format == "csv") CliOutput.Write(settings.Out, w => AnalysisCsv.Write(w, analyses));
            else CliOutput.Write(settings.Out, w => w.Write(JsonSerializer.Serialize(analyses, PlatformJsonContext.Default.IReadOnlyListAnalysisResult)));
            return 0;
        }
        var rows = await platform.Results.ListAsync(settings.Sweep!, filter, cancellationToken);
        switch (settings.Format)
        {
            case "csv": CliOutput.Write(settings.Out, w => ResultsCsv.Write(w, rows.Select(r => r.Result))); break;
            case "json": CliOutput.Write(settings.Out, w => w.Write(JsonSerializer.Serialize(rows, PlatformJsonContext.Default.IReadOnlyListStoredResult))); break;
            default: AnsiConsole.Write(ResultTable(rows)); break;
        }
        return 0;
    }

    /// <summary>The listing in the format asked for, the same from storage and from the API.</summary>
    internal static void WriteList(Settings settings, SweepPage page)
    {
        if (settings.Format == "table") AnsiConsole.Write(SweepTable(page));
        else CliOutput.Write(settings.Out, w => WriteSweeps(w, page, settings.Format));
        // Beside the rows, not in them: csv and json on standard output stay parseable.
        if (settings.Format == "csv" && page.Continuation is { } token) Console.Error.WriteLine($"More sweeps: --continuation {token}");
    }

    /// <summary>json: the API's page (sweeps and continuation); csv: one row per sweep, tags joined by ';'.</summary>
    private static void WriteSweeps(TextWriter w, SweepPage page, string format)
    {
        if (format == "json")
        {
            w.Write(JsonSerializer.Serialize(page, PlatformJsonContext.Default.SweepPage));
            return;
        }
        Csv.WriteRow(w, ["sweep_id", "name", "state", "created_at", "model_jobs", "stitch_jobs", "tags", "description"]);
        foreach (var s in page.Sweeps)
            Csv.WriteRow(w, [s.SweepId, s.Name ?? "", s.State.ToString(), s.CreatedAt.ToString("O"), Csv.Format(s.ModelJobs), Csv.Format(s.StitchJobs),
                string.Join(';', s.Tags), s.Description ?? ""]);
    }

    private static Table SweepTable(SweepPage page)
    {
        var table = new Table().AddColumns("Sweep", "Name", "State", "Created (UTC)", "Models", "Stitches", "Tags");
        foreach (var s in page.Sweeps)
            table.AddRow(Markup.Escape(s.SweepId), Markup.Escape(s.Name ?? ""), s.State.ToString(), s.CreatedAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                s.ModelJobs.ToString(CultureInfo.InvariantCulture), s.StitchJobs.ToString(CultureInfo.InvariantCulture), Markup.Escape(string.Join(", ", s.Tags)));
        var count = $"{page.Sweeps.Count} sweep{(page.Sweeps.Count == 1 ? "" : "s")}";
        table.Caption(page.Continuation is { } token ? Markup.Escape($"{count}; more: --continuation {token}") : count);
        return table;
    }

    internal static Table ResultTable(IReadOnlyList<StoredResult> rows)
    {
        var table = new Table().AddColumns("Variant", "Sender", "Layer", "Receiver", "Layer", "Stitch", "Seed", "Accuracy", "Loss", "Seconds");
        foreach (var r in rows.Select(x => x.Result))
            table.AddRow(Markup.Escape(r.Variant), Markup.Escape(r.SenderArch), Markup.Escape(r.SenderLayer), Markup.Escape(r.ReceiverArch), Markup.Escape(r.ReceiverLayer),
                Markup.Escape(r.StitchKind), r.StitchSeed.ToString(CultureInfo.InvariantCulture), r.Accuracy.ToString("P1", CultureInfo.InvariantCulture), r.Loss.ToString("F3", CultureInfo.InvariantCulture), r.Seconds.ToString("F1", CultureInfo.InvariantCulture));
        table.Caption($"{rows.Count} results");
        return table;
    }
}
