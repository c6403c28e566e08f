using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.DevTools;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Platform;
using Stitching.Platform.Processing;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>scale</c>: the offline stand-in for KEDA + Container Apps jobs (<see cref="LocalJobScaler"/>): one
/// <c>worker --max-jobs N</c> process per waiting message, each in a fresh folder and stopped at the replica timeout
/// (<c>Stitching:Limits:ReplicaTimeoutSeconds</c>, as the API sizes jobs), until Ctrl+C or SIGTERM.
/// Storage and queue come from the same configuration as <c>worker</c>, which each execution inherits.
/// </summary>
public sealed class ScaleCommand : AsyncCommand<ScaleCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--jobs <N>"), Description("Most executions at a time, like the job's maxExecutions (default 2).")]
        public int Jobs { get; init; } = 2;

        [CommandOption("--device <DEVICE>"), Description("Device of each execution: cpu (default) or cuda; Azure's job runs cuda.")]
        public string Device { get; init; } = "cpu";

        [CommandOption("--runner-args <ARGS>"), Description("Extra worker options for each execution, e.g. \"--threads 1\".")]
        public string RunnerArgs { get; init; } = "";

        [CommandOption("--poll <SECONDS>"), Description("Seconds between queue-length checks (default 2).")]
        public double PollSeconds { get; init; } = 2;

        [CommandOption("--max-jobs <N>"), Description("Messages each execution takes at most, like main.bicep's runnerMaxJobs (default: RunnerJob.DefaultMaxJobs).")]
        public int MaxJobs { get; init; } = RunnerJob.DefaultMaxJobs;

        public override ValidationResult Validate()
        {
            if (Jobs is < 1 or > 64) return ValidationResult.Error($"--jobs must be 1..64, got {Jobs}.");
            if (Device is not ("cpu" or "cuda")) return ValidationResult.Error($"--device must be cpu or cuda, got '{Device}'.");
            if (MaxJobs < 1) return ValidationResult.Error($"--max-jobs must be at least 1, got {MaxJobs}.");
            if (PollSeconds is <= 0 or > 60) return ValidationResult.Error($"--poll must be in (0, 60] seconds, got {PollSeconds}.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var stop = new StopSignals(cancellationToken); // SIGTERM: its executions get SIGTERM too and hand their messages back

        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
        await using var services = PlatformConfiguration.Services(loggerFactory);
        var platform = services.GetRequiredService<StitchingPlatform>();
        var runnerDll = typeof(ScaleCommand).Assembly.Location;
        var scaler = new LocalJobScaler(platform.Queue, (args, _) =>
        {
            // Each execution's output goes to the scaler's own, line by line, as a job's logs go to Log Analytics.
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false };
            foreach (var a in args.Prepend(runnerDll)) start.ArgumentList.Add(a);
            return start;
        }, loggerFactory.CreateLogger<LocalJobScaler>())
        {
            MaxExecutions = settings.Jobs, Device = settings.Device, PollInterval = TimeSpan.FromSeconds(settings.PollSeconds), MaxJobs = settings.MaxJobs,
            // The replica timeout the API sizes jobs with (Stitching:Limits:ReplicaTimeoutSeconds, which the executions inherit too).
            ReplicaTimeout = TimeSpan.FromSeconds(PlatformConfiguration.Build().GetSection(SweepLimitOptions.Section).Get<SweepLimitOptions>()?.ReplicaTimeoutSeconds
                                                  ?? new SweepLimitOptions().ReplicaTimeoutSeconds),
            ExtraArguments = settings.RunnerArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries),
        };
        AnsiConsole.MarkupLine($"Scaling {Markup.Escape(string.Join(' ', RunnerJob.Arguments(settings.Device, settings.MaxJobs)))} executions: at most {settings.Jobs} at a time, one per waiting message, each stopped at {scaler.ReplicaTimeout?.TotalSeconds:F0} s. Ctrl+C stops.");
        await scaler.RunAsync(stop.Token);
        return 0;
    }
}
