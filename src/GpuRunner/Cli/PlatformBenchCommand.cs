using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Platform.Storage;
using Stitching.Reporting.Tables;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>bench-platform</c>: submission and fan-out of the paper's full experiment against real storage (Azurite or an
/// account), and rendering a 17x17 matrix; prints and writes JSON. <c>bench</c> runs the same when storage answers.
/// </summary>
public sealed class PlatformBenchCommand : AsyncCommand<PlatformBenchCommand.Settings>
{

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--storage <CONNECTION>"), Description("Storage connection string (default: Stitching__Storage__ConnectionString, else Azurite's UseDevelopmentStorage=true).")]
        public string? Storage { get; init; }

        [CommandOption("--json <FILE>"), Description("Where to write the figures (default bench-platform.json).")]
        public string Json { get; init; } = "bench-platform.json";
    }

    /// <summary>The configured storage connection string, else Azurite's.</summary>
    public static string StorageConnection(string? given)
    {
        var configured = PlatformConfiguration.Build()[$"{StitchingStorageOptions.Section}:ConnectionString"];
        return given ?? (string.IsNullOrEmpty(configured) ? "UseDevelopmentStorage=true" : configured);
    }

    public static Dictionary<string, object> Report(string connection, PlatformBenchmark.Figures figures) => new()
    {
        ["storage"] = connection.Contains("UseDevelopmentStorage", StringComparison.OrdinalIgnoreCase) ? "azurite" : "account",
        ["figures"] = figures,
        ["targets"] = new { submitSecondsAtMost = 2, allEnqueuedSecondsAtMost = 60, renderMillisecondsAtMost = 300 },
        ["met"] = new
        {
            submit = figures.SubmitSeconds <= 2, allEnqueued = figures.AllEnqueuedSeconds <= 60, render = figures.RenderMaxMilliseconds <= 300,
        },
    };

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var connection = StorageConnection(settings.Storage);
        PlatformBenchmark.Figures figures;
        try
        {
            using var loggers = CliConsoleLoggerProvider.CreateFactory(clock: false);
            figures = await PlatformBenchmark.RunIsolatedAsync(connection, loggers.CreateLogger<PlatformBenchCommand>(), cancellationToken);
        }
        catch (StorageUnreachableException e)
        {
            AnsiConsole.MarkupLine($"[red]{Markup.Escape(e.Message)}[/]");
            return 1;
        }
        var git = Provenance.Git();
        var report = new Dictionary<string, object>
        {
            ["command"] = "bench-platform " + string.Join(' ', context.Arguments),
            // No engine runs here: the platform's own provenance is its code, runtime and machine.
            ["provenance"] = new Provenance(git.Commit, git.Dirty, "", "", "cpu", "", "", Provenance.CurrentRuntime()),
        };
        foreach (var (key, value) in Report(connection, figures)) report[key] = value;
        var json = JsonSerializer.Serialize(report, PlatformJsonContext.Reports);
        AtomicFile.Write(settings.Json, w => w.Write(json));
        AnsiConsole.WriteLine(json);
        AnsiConsole.MarkupLine($"Wrote {Markup.Escape(settings.Json)}");
        return 0;
    }
}
