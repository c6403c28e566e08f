using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Contracts;
using Stitching.Engine.Research;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>report</c>: runs the documented experiment (<see cref="ReportOptions.Experiments"/>) and writes a Markdown findings
/// report with its figures. Unset sizes take the CPU defaults of <see cref="ReportOptions"/>, or tiny ones with --quick.
/// </summary>
public sealed class ReportCommand : AsyncCommand<ReportCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>"), Description("Folder for report.md, its figures and the experiments' CSV files (default docs/report).")]
        public string Out { get; init; } = "docs/report";
        [CommandOption("--dataset <NAME>"), Description("fashion-mnist (default), cifar10, cifar100 or images-<name>.")]
        public string Dataset { get; init; } = Stitching.Domain.Datasets.DatasetFiles.FashionMnist;
        [CommandOption("--data-dir <DIR>"), Description("Folder with the dataset files (default: the dataset's standard folder).")]
        public string? DataDir { get; init; }
        [CommandOption("--width <W>"), Description("Stem channels of every network (default 8; quick 4).")]
        public int? Width { get; init; }
        [CommandOption("--train-limit <N>"), Description("Class-balanced training subset, 10% of it held out (default 1500; quick 300).")]
        public int? TrainLimit { get; init; }
        [CommandOption("--test-limit <N>"), Description("Class-balanced test subset (default 1000; quick 100).")]
        public int? TestLimit { get; init; }
        [CommandOption("--model-epochs <N>"), Description("Base-model training epochs (default 15; quick 1).")]
        public int? ModelEpochs { get; init; }
        [CommandOption("--random-init <INIT>"), Description("Base models' initialization: kaiming (default) or pytorch.")]
        [TypeConverter(typeof(WireNameTypeConverter<RandomInit>))]
        public RandomInit RandomInit { get; init; } = RandomInit.Kaiming;
        [CommandOption("--stitch-epochs <N>"), Description("Most epochs of every stitch (task, copy, pixel baseline, linear probe); the held-out stopping rule ends each one (default 30, the sweep's cap; quick 2).")]
        public int? StitchEpochs { get; init; }
        [CommandOption("--seed-pairs <N>"), Description("Independently trained pairs of base models: sender seeds 0,2,4,..., receiver seeds 1,3,5,... (default 5, the fewest a report takes; quick 1).")]
        public int? SeedPairs { get; init; }
        [CommandOption("--cka-images <N>"), Description("Test images for linear CKA (default 500; quick 100).")]
        public int? CkaImages { get; init; }
        [CommandOption("--quick"), Description("Tiny settings for tests: width 4, 300/100 images, 1 model epoch, 2 stitch epochs, one pair of models, two layers per network.")]
        public bool Quick { get; init; }
        [CommandOption("--models-dir <DIR>"), Description("Where base-model checkpoints are kept and reused (default: ~/.cache/stitching/models).")]
        public string? ModelsDir { get; init; }
        [CommandOption("--device <DEVICE>"), Description("auto (CUDA when present), cpu or cuda.")]
        public string Device { get; init; } = "auto";
        [CommandOption("--threads <N>"), Description("CPU threads for torch (default: all cores).")]
        public int? Threads { get; init; }

        public ReportOptions ToOptions()
        {
            var defaults = new ReportOptions();
            var options = new ReportOptions
            {
                Dataset = Dataset, Quick = Quick,
                Width = Width ?? (Quick ? 4 : defaults.Width),
                TrainLimit = TrainLimit ?? (Quick ? 300 : defaults.TrainLimit),
                TestLimit = TestLimit ?? (Quick ? 100 : defaults.TestLimit),
                ModelEpochs = ModelEpochs ?? (Quick ? 1 : defaults.ModelEpochs), RandomInit = RandomInit,
                StitchEpochs = StitchEpochs ?? (Quick ? 2 : defaults.StitchEpochs),
                SeedPairs = SeedPairs ?? (Quick ? 1 : defaults.SeedPairs),
                CkaImages = CkaImages ?? (Quick ? 100 : defaults.CkaImages),
            };
            // Every effective setting spelled out, so the command in the report reproduces it whatever the defaults become.
            var command = string.Join(' ', new[]
            {
                "dotnet run --project src/GpuRunner -c Release -- report", Quick ? "--quick" : "", $"--dataset {Dataset}",
                $"--width {options.Width}", $"--train-limit {options.TrainLimit}", $"--test-limit {options.TestLimit}",
                $"--model-epochs {options.ModelEpochs}", $"--random-init {options.RandomInit.Name()}", $"--stitch-epochs {options.StitchEpochs}", $"--seed-pairs {options.SeedPairs}",
                $"--cka-images {options.CkaImages}", Threads is { } t ? $"--threads {t}" : "", $"--out {Out}",
            }.Where(s => s.Length > 0));
            return options with { Command = command };
        }

        public CommonSettings ToCommon(ReportOptions o) => new()
        {
            Dataset = Dataset, DataDir = DataDir, TrainLimit = o.TrainLimit, TestLimit = o.TestLimit, Width = o.Width,
            ModelsDir = ModelsDir, ModelEpochs = o.ModelEpochs, RandomInit = o.RandomInit, Device = Device, Threads = Threads,
        };

        public override ValidationResult Validate()
        {
            if (CkaImages is < 2) return ValidationResult.Error($"--cka-images must be at least 2, got {CkaImages}.");
            var options = ToOptions();
            if (!Quick && options.SeedPairs < ReportOptions.MinimumSeedPairs)
                return ValidationResult.Error($"--seed-pairs must be at least {ReportOptions.MinimumSeedPairs}, got {options.SeedPairs}: the report's verdicts take the network pair as " +
                    "the unit of inference, and with fewer pairs its t tests cannot carry them (docs/research.md). For a smoke run use --quick; for one pair's matrices, `sweep`.");
            var common = ToCommon(options).Validate();
            if (!common.Successful) return common;
            // The experiments are sweeps: the sweep's one validator judges them (stitch epochs, seeds, layers, sizes).
            foreach (var experiment in options.Experiments())
                if (Stitching.Domain.Sweeps.SweepSpecValidator.Validate(experiment.Spec) is { Count: > 0 } errors)
                    return ValidationResult.Error($"Experiment {experiment.Name}: {string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}"))}");
            return ValidationResult.Success();
        }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var options = settings.ToOptions();
        var clock = Stopwatch.StartNew();
        using var loggers = CliConsoleLoggerProvider.CreateFactory();
        var logger = loggers.CreateLogger<ReportCommand>();
        void Log(string message) => logger.LogInformation("{Line}", message);
        Log($"Report: {options.Command}");
        var common = settings.ToCommon(options);
        using var run = RunContext.Create(common, common.Over(new SweepSpec()) with { Stitch = options.Stitch }, loggers);
        new ReportRunner(run.Data, run.Models, run.Device, loggers).Run(options, settings.Out, cancellationToken);
        Log($"Done in {clock.Elapsed:mm\\:ss}: {Path.Combine(settings.Out, ReportRunner.ReportFile)}");
        return Task.FromResult(0);
    }
}
