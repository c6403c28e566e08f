using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Sweeps;
using Stitching.Platform;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// Sweep B against sweep A, cell by cell (<see cref="SweepComparison"/>, the same code as the API's compare): each side
/// a local sweep output folder or a platform sweep id (read from the result tables, as <c>results</c> does).
/// </summary>
public sealed class CompareCommand : AsyncCommand<CompareCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<A>"), Description("Sweep A: a local sweep output folder (with sweep.json) or a platform sweep id.")]
        public string A { get; init; } = "";

        [CommandArgument(1, "<B>"), Description("Sweep B, likewise. The difference is B − A.")]
        public string B { get; init; } = "";

        [CommandOption("--variant <NAME>"), Description("The variant to compare (default trained->trained; a name or its slug).")]
        public string Variant { get; init; } = Stitching.Domain.Sweeps.Variant.TrainedToTrained.Name();

        [CommandOption("--sender <ARCH>"), Description("Sender architecture of the pair to compare (default: A's first pair).")]
        public string? Sender { get; init; }

        [CommandOption("--receiver <ARCH>"), Description("Receiver architecture of the pair to compare (default: A's first pair).")]
        public string? Receiver { get; init; }

        [CommandOption("--format <FORMAT>"), Description("table (default), json, html, svg or png (svg and png need --out).")]
        public string Format { get; init; } = "table";

        [CommandOption("--out <FILE>"), Description("Write to FILE instead of standard output.")]
        public string? Out { get; init; }

        public override ValidationResult Validate()
        {
            if (Format is not ("table" or "json" or "html" or "svg" or "png")) return ValidationResult.Error($"--format must be table, json, html, svg or png, got '{Format}'.");
            if (Format == "table" && Out is not null) return ValidationResult.Error("--out needs --format json, html, svg or png.");
            if (Format == "png" && Out is null) return ValidationResult.Error("--format png needs --out FILE.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var variant = ResultsQuery.ParseVariant(settings.Variant);
        await using var services = PlatformConfiguration.Services(); // nothing is built until a platform sweep is read
        var platform = new Lazy<StitchingPlatform>(services.GetRequiredService<StitchingPlatform>);
        // Only the compared variant's rows, as the API reads them.
        var filter = new ResultsFilter(variant.Slug());
        // A folder that exists is read as a local sweep (and refused if it is not one); anything else is a platform sweep id.
        async Task<SweepResults> ReadAsync(string sweep) => Directory.Exists(sweep)
            ? SweepFolder.Read(sweep)
            : (await platform.Value.Results.SweepResultsAsync([sweep], filter, cancellationToken))[0];
        var comparison = SweepComparison.Compare(await ReadAsync(settings.A), await ReadAsync(settings.B), variant, settings.Sender, settings.Receiver);

        switch (settings.Format)
        {
            case "json": CliOutput.Write(settings.Out, w => w.Write(JsonSerializer.Serialize(comparison, PlatformJsonContext.Default.SweepComparison))); break;
            case "html": CliOutput.Write(settings.Out, w => w.Write(ComparisonPage.Html(comparison))); break;
            case "svg": CliOutput.Write(settings.Out, w => w.Write(MatrixRenderer.RenderDifferenceSvg(comparison.Difference, ComparisonPage.ColorBarLabel))); break;
            case "png": AtomicFile.WriteBytes(settings.Out!, MatrixRenderer.RenderDifferencePng(comparison.Difference, ComparisonPage.ColorBarLabel)); break;
            default: Print(comparison); break;
        }
        return 0;
    }

    private static void Print(SweepComparison c)
    {
        AnsiConsole.MarkupLine($"B = {Markup.Escape(c.SweepB)} minus A = {Markup.Escape(c.SweepA)}, {Markup.Escape(c.Variant)} on {Markup.Escape(c.Dataset)}.");
        AnsiConsole.Write(MatrixTable.Render(c.Difference, differences: true));
        AnsiConsole.MarkupLine($"[grey]{Markup.Escape(SweepComparison.Rule)}[/]");
        foreach (var d in c.Dropped)
            AnsiConsole.MarkupLine($"[yellow]left out:[/] {Markup.Escape($"{d.Side} layer {d.Layer}, only in {d.OnlyIn}")}");
        if (c.SettingDifferences.Count == 0) AnsiConsole.MarkupLine("The sweeps' settings are the same.");
        foreach (var s in c.SettingDifferences)
            AnsiConsole.MarkupLine($"differs: {Markup.Escape(s.Setting)}: A {Markup.Escape(s.A)}, B {Markup.Escape(s.B)}");
    }
}
