using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.DevTools;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Benchmarks;
using Stitching.Engine.Hardware;
using Stitching.Engine.Stitches;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>bench</c>: the engine benchmark (<see cref="EngineBenchmark"/>) on this machine, and the platform's figures
/// (<see cref="PlatformBenchmark"/>) where storage answers; prints and writes the figures as JSON.
/// </summary>
public sealed class BenchCommand : AsyncCommand<BenchCommand.Settings>
{

    public sealed class Settings : SweepCommand.Settings
    {
        [CommandOption("--baseline-epochs <N>"), Description("Fixed epochs of the baseline stitches (default 2).")]
        public int BaselineEpochs { get; init; } = 2;

        [CommandOption("--baseline-optimizer <NAME>"), Description("Optimizer of the baseline stitches (default sgd, momentum 0.9).")]
        [TypeConverter(typeof(WireNameTypeConverter<StitchOptimizer>))]
        public StitchOptimizer BaselineOptimizer { get; init; } = StitchOptimizer.Sgd;

        [CommandOption("--baseline-lr <LR>"), Description("Peak learning rate of the baseline stitches (default 0.01).")]
        public double BaselineLearningRate { get; init; } = 0.01;

        [CommandOption("--json <FILE>"), Description("Where to write the figures (default bench.json in --out).")]
        public string? Json { get; init; }

        [CommandOption("--skip-noise-floor"), Description("Run the baseline once only (no second seed).")]
        public bool SkipNoiseFloor { get; init; }

        [CommandOption("--storage <CONNECTION>"), Description("Storage for the platform figures (default: Stitching__Storage__ConnectionString, else Azurite). Unreachable: only rendering is timed.")]
        public string? Storage { get; init; }

        [CommandOption("--skip-platform"), Description("Leave out the platform figures (submission, fan-out, rendering).")]
        public bool SkipPlatform { get; init; }

        public override ValidationResult Validate()
        {
            var sweep = base.Validate();
            if (!sweep.Successful) return sweep;
            if (BaselineEpochs is < 1 or > 1000) return ValidationResult.Error($"--baseline-epochs must be 1..1000, got {BaselineEpochs}.");
            if (!(BaselineLearningRate > 0 && BaselineLearningRate <= 10)) return ValidationResult.Error($"--baseline-lr must be in (0, 10], got {BaselineLearningRate}.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var spec = settings.ToSpec();
        using var loggers = CliConsoleLoggerProvider.CreateFactory();
        var logger = loggers.CreateLogger<BenchCommand>();
        using var run = RunContext.Create(settings, spec, loggers);
        var options = new EngineBenchmarkOptions(settings.Out, settings.CacheMegabytes, settings.BaselineEpochs, settings.BaselineOptimizer,
            settings.BaselineLearningRate, settings.SkipNoiseFloor);
        var report = new Dictionary<string, object?> { ["command"] = "bench " + string.Join(' ', context.Arguments) };
        foreach (var (key, value) in EngineBenchmark.Run(spec, run.Data, run.Models, run.Device, run.Dataset, options, loggers, cancellationToken))
            report[key] = value;
        if (!settings.SkipPlatform) report["platform"] = await PlatformFiguresAsync(settings.Storage, logger, cancellationToken);

        var json = JsonSerializer.Serialize(report, PlatformJsonContext.Reports);
        var path = settings.Json ?? Path.Combine(settings.Out, "bench.json");
        AtomicFile.Write(path, w => w.Write(json));
        AnsiConsole.WriteLine(json);
        logger.LogInformation("{Line}", $"Wrote {path}");
        return 0;
    }

    private static async Task<object> PlatformFiguresAsync(string? storage, ILogger log, CancellationToken cancellationToken)
    {
        log.LogInformation("Platform: the paper's full experiment submitted and fanned out, a 17x17 matrix rendered...");
        var connection = PlatformBenchCommand.StorageConnection(storage);
        try
        {
            return PlatformBenchCommand.Report(connection, await PlatformBenchmark.RunIsolatedAsync(connection, log, cancellationToken));
        }
        catch (StorageUnreachableException e)
        {
            log.LogWarning("  {Reason} Timing the rendering only.", e.Message);
            return new { skipped = e.Message, render = PlatformBenchmark.MeasureRender(log) };
        }
    }
}
