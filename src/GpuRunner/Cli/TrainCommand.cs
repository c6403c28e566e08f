using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Architectures;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.GpuRunner.Cli;

/// <summary><c>train</c>: train or reuse one base model and print where its checkpoint is.</summary>
public sealed class TrainCommand : AsyncCommand<TrainCommand.Settings>
{
    public sealed class Settings : CommonSettings
    {
        [CommandOption("--arch <ARCH>"), Description("resnet18, resnet34 or resnet(b1,b2,b3,b4).")]
        public string Arch { get; init; } = "resnet18";

        [CommandOption("--seed <N>"), Description("Initialization, shuffling and augmentation seed (default 0).")]
        public int Seed { get; init; }

        [CommandOption("--random"), Description("Do not train: a random control at its seeded initialization.")]
        public bool Random { get; init; }
    }

    public override Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var arch = ResNetSpec.Parse(settings.Arch);
        using var loggers = CliConsoleLoggerProvider.CreateFactory(clock: false);
        // The default sweep's settings under these options, held-out part included (excluded from training as a sweep
        // excludes it): `train` makes the model a default sweep reuses.
        var sweep = settings.Over(new Stitching.Domain.Contracts.SweepSpec());
        using var run = RunContext.Create(settings, sweep, loggers);
        var spec = new ModelSpec(arch.Name, sweep.Width, sweep.Dataset, settings.Seed, !settings.Random, sweep.TrainLimit, sweep.Model) { HoldoutFraction = sweep.Stitch.HoldoutFraction };
        var (model, info) = run.Models.GetOrCreate(spec, run.Data, cancellationToken);
        model.Dispose();
        AnsiConsole.MarkupLine($"{Markup.Escape(spec.Key)}: test accuracy {info.TestAccuracy:P2}, test loss {info.TestLoss:F6}, layout {info.Layout}, checkpoint {Markup.Escape(Path.Combine(run.Models.Directory, spec.Key + ".bin"))}");
        return Task.FromResult(0);
    }
}
