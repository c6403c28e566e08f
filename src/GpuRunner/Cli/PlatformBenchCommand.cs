using System.ComponentModel;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Core;
using Stitching.Core.Benchmarks;
using Stitching.Core.Queues;
using Stitching.Core.Results;
using Stitching.Core.Storage;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>bench-platform</c>: submission and fan-out of the paper's full experiment against real storage (Azurite or an
/// account), and rendering a 17x17 matrix; prints and writes JSON. Works in its own tables, container and queue
/// (a random name prefix), removed afterwards, so no runner of a real deployment ever sees its jobs.
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

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var configured = PlatformConfiguration.Build()[$"{StitchingStorageOptions.Section}:ConnectionString"];
        var storage = new StitchingStorageOptions
        {
            ConnectionString = settings.Storage ?? (string.IsNullOrEmpty(configured) ? "UseDevelopmentStorage=true" : configured),
            NamePrefix = "bench" + Guid.NewGuid().ToString("N")[..10],
        };
        var platform = StitchingPlatform.Create(storage, new JobQueueOptions { Backend = "storage" });
        var queue = (StorageJobQueue)platform.Queue;
        void Log(string m) => AnsiConsole.MarkupLine(Markup.Escape(m));
        try
        {
            await platform.CreateIfNotExistsAsync(cancellationToken);
        }
        catch (Exception e) when (StorageFailures.Is(e) || e is HttpRequestException or AggregateException)
        {
            AnsiConsole.MarkupLine($"[red]Storage is not reachable[/] ({Markup.Escape(e.Message.Split('\n')[0])}). Start Azurite (bash scripts/start-azurite.sh) or pass --storage.");
            return 1;
        }
        try
        {
            Log("The paper's full experiment (256 ordered pairs of the 16 ResNet(x,x,x,x), every layer pair, 4 variants):");
            var figures = await PlatformBenchmark.RunAsync(platform, PlatformBenchmark.PaperExperiment(),
                async () => (await queue.Queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount, Log, cancellationToken);
            var json = JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["command"] = "bench-platform " + string.Join(' ', context.Arguments),
                ["storage"] = storage.ConnectionString!.Contains("UseDevelopmentStorage", StringComparison.OrdinalIgnoreCase) ? "azurite" : "account",
                ["figures"] = figures,
                ["targets"] = new { submitSecondsAtMost = 2, allEnqueuedSecondsAtMost = 60, renderMillisecondsAtMost = 300 },
            }, new JsonSerializerOptions { WriteIndented = true });
            AtomicFile.Write(settings.Json, w => w.Write(json));
            AnsiConsole.WriteLine(json);
            Log($"Wrote {settings.Json}");
            return 0;
        }
        finally
        {
            await platform.DeleteAsync(CancellationToken.None);
        }
    }
}
