using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Engine.Research;
using Stitching.Engine.Sweeps;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>copying</c>: the copying experiment of issue 23.1 (<see cref="CopyingExperiment"/>): task stitches from several starts and
/// seeds, the least-squares copy, placebos and a trade-off curve, read over network pairs; writes copying.csv,
/// copying-distances.csv and copying.md (the answer, whatever it is) under --out.
/// </summary>
public sealed class CopyingCommand : AsyncCommand<CopyingCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--arch <ARCH>"), Description("The architecture of both networks of every pair (default resnet(1,1,1,1)).")]
        public string? Arch { get; init; }
        [CommandOption("--pairs <N>"), Description("Independently trained network pairs: sender seeds 0,2,4,..., receiver seeds 1,3,5,... (default 3).")]
        public int? Pairs { get; init; }
        [CommandOption("--stitch-seeds <LIST>"), Description("Stitch seeds per cell and start (default 0,1,2).")]
        public string? StitchSeeds { get; init; }
        [CommandOption("--cells <LIST>"), Description("Comma list of SENDER:RECEIVER layer cells (default 1.0:1.0,2.0:2.0,3.0:3.0,3.0:2.0).")]
        public string? Cells { get; init; }
        [CommandOption("--lambdas <LIST>"), Description("Weights of the normalized copy MSE in the trade-off stitches (default 0.1,1,10).")]
        public string? Lambdas { get; init; }
        [CommandOption("--trade-off-cells <LIST>"), Description("Indices into --cells that get the trade-off curve (default 1,3).")]
        public string? TradeOffCells { get; init; }
        [CommandOption("--stitch-epochs <N>"), Description("Epoch cap of every stitch (default: the sweep's, 30).")]
        public int? StitchEpochs { get; init; }
        [CommandOption("--lr <LR>"), Description("Peak learning rate of every stitch (default: the sweep's, 0.001); the placebo uses the same.")]
        public double? LearningRate { get; init; }
        [CommandOption("--precision <P>"), Description("fp32 (default: research runs are fp32, so no result depends on a CPU's bf16), bf16 or auto.")]
        [TypeConverter(typeof(WireNameTypeConverter<ComputePrecision>))]
        public ComputePrecision Precision { get; init; } = ComputePrecision.Fp32;
        [CommandOption("--allow-chance-models"), Description("Go on when a trained base model cannot be told from chance (tests).")]
        public bool AllowChanceModels { get; init; }
        [CommandOption("--out <DIR>"), Description("Output folder (default docs/report/copying).")]
        public string Out { get; init; } = "docs/report/copying";

        public CopyingOptions ToOptions(string[] args)
        {
            var spec = Over(new SweepSpec());
            var d = new CopyingOptions();
            static IReadOnlyList<T> List<T>(string? text, Func<string, T> parse, IReadOnlyList<T> fallback) =>
                text is null ? fallback : text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(parse).ToList();
            return d with
            {
                Dataset = spec.Dataset, Width = spec.Width, TrainLimit = spec.TrainLimit, TestLimit = spec.TestLimit, ModelEpochs = spec.Model.Epochs,
                Arch = Arch ?? d.Arch, Pairs = Pairs ?? d.Pairs, AllowChanceModels = AllowChanceModels,
                StitchSeeds = List(StitchSeeds, s => int.Parse(s, CultureInfo.InvariantCulture), d.StitchSeeds),
                Cells = List(Cells, CopyingOptions.ParseCell, d.Cells),
                Lambdas = List(Lambdas, s => double.Parse(s, CultureInfo.InvariantCulture), d.Lambdas),
                TradeOffCells = List(TradeOffCells, s => int.Parse(s, CultureInfo.InvariantCulture), d.TradeOffCells),
                Stitch = d.Stitch with { Precision = Precision, Epochs = StitchEpochs ?? d.Stitch.Epochs, LearningRate = LearningRate ?? d.Stitch.LearningRate },
                Command = "dotnet run --project src/GpuRunner -c Release -- " + string.Join(' ', args.Select(a => a.Contains(' ') || a.Contains('(') ? $"\"{a}\"" : a)),
            };
        }

        public override ValidationResult Validate()
        {
            var common = base.Validate();
            if (!common.Successful) return common;
            try
            {
                var o = ToOptions([]);
                if (o.TradeOffCells.Any(i => i < 0 || i >= o.Cells.Count)) return ValidationResult.Error($"--trade-off-cells must index --cells (0..{o.Cells.Count - 1}).");
                if (o.StitchSeeds.Count < 2) return ValidationResult.Error("--stitch-seeds needs at least 2 seeds: distances are scaled by the seed-to-seed distance.");
                if (Stitching.Domain.Sweeps.SweepSpecValidator.Validate(o.Spec) is { Count: > 0 } errors)
                    return ValidationResult.Error(string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}")));
            }
            catch (FormatException e)
            {
                return ValidationResult.Error(e.Message);
            }
            return ValidationResult.Success();
        }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions(Environment.GetCommandLineArgs().Skip(1).ToArray());
        var clock = Stopwatch.StartNew();
        using var loggers = CliConsoleLoggerProvider.CreateFactory();
        var logger = loggers.CreateLogger<CopyingCommand>();
        using var run = RunContext.Create(settings, options.Spec, loggers);
        using var engine = new StitchEngine(run.Data, run.Models, run.Device, options.Stitch, 2L << 30, loggers) { RefuseChanceModels = !options.AllowChanceModels };
        var provenance = engine.Provenance; // before anything is written: the outputs may be tracked files
        var (rows, distances) = new CopyingExperiment(engine, loggers.CreateLogger<CopyingExperiment>()).Run(options, cancellationToken);
        CopyingSummary.WriteFolder(settings.Out, options, rows, distances, clock.Elapsed, engine.Hardware, TorchSharp.torch.get_num_threads(),
            Engine.Training.Precision.Name(engine.ComputeType), provenance);
        logger.LogInformation("Copying experiment: {Rows} stitches in {Elapsed}; {Path}", rows.Count, clock.Elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture),
            Path.Combine(settings.Out, CopyingSummary.MarkdownFile));
        foreach (var line in CopyingSummary.Answer(CopyingSummary.Statistics(rows, distances))) logger.LogInformation("{Line}", line);
        return Task.FromResult(0);
    }
}
