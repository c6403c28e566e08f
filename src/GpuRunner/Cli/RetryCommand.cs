using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Sweeps;
using Stitching.Platform;
using Stitching.Platform.Coordination;

namespace Stitching.GpuRunner.Cli;

/// <summary><c>retry</c>: re-queues a sweep's failed (or also cancelled) jobs, as <c>POST /api/sweeps/{id}/retry</c> does.</summary>
public sealed class RetryCommand : AsyncCommand<RetryCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--sweep <ID>"), Description("The sweep whose failed jobs to re-queue.")]
        public string? Sweep { get; init; }

        [CommandOption("--include <STATES>"), Description("failed (default), or failed,cancelled.")]
        public string Include { get; init; } = "failed";

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Sweep)) return ValidationResult.Error("Give --sweep ID (see: results --list).");
            if (SweepControl.ParseRetryStates(Include) is null)
                return ValidationResult.Error($"--include lists failed and/or cancelled, comma-separated; got '{Include}'.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        await using var services = PlatformConfiguration.Services();
        var platform = services.GetRequiredService<StitchingPlatform>();
        var retry = await platform.Coordinator.Control.RetryAsync(settings.Sweep!, SweepControl.ParseRetryStates(settings.Include)!, cancellationToken);
        if (retry is null)
        {
            AnsiConsole.MarkupLine($"[red]No sweep '{Markup.Escape(settings.Sweep!)}'.[/] See: results --list");
            return 2;
        }
        AnsiConsole.MarkupLine(Markup.Escape(retry.Message));
        foreach (var id in retry.JobIds) AnsiConsole.MarkupLine($"  {Markup.Escape(id)}");
        return 0;
    }
}
