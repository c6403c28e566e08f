using System.ComponentModel;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Contracts;
using Stitching.Platform;
using Stitching.Platform.Coordination;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>retry</c>: re-queues a sweep's failed (or also cancelled) jobs through <c>POST /api/sweeps/{id}/retry</c>, with the
/// API's URL and key (<see cref="ApiClient"/>). <c>--from-storage</c> is the operator's path: the same coordinator
/// called directly with the <c>Stitching__Storage__*</c> and <c>Stitching__Queue__*</c> settings.
/// </summary>
public sealed class RetryCommand : AsyncCommand<RetryCommand.Settings>
{
    public sealed class Settings : ApiSettings
    {
        [CommandOption("--sweep <ID>"), Description("The sweep whose failed jobs to re-queue.")]
        public string? Sweep { get; init; }

        [CommandOption("--include <STATES>"), Description("failed (default), or failed,cancelled.")]
        public string Include { get; init; } = "failed";

        [CommandOption("--from-storage"), Description("Operator path: call the coordinator with the storage and queue settings (Stitching__Storage__*, Stitching__Queue__*) instead of the API.")]
        public bool FromStorage { get; init; }

        public override ValidationResult Validate()
        {
            if (string.IsNullOrWhiteSpace(Sweep)) return ValidationResult.Error("Give --sweep ID (see: results --list).");
            if (SweepControl.ParseRetryStates(Include) is null)
                return ValidationResult.Error($"--include lists failed and/or cancelled, comma-separated; got '{Include}'.");
            if (FromStorage && (ApiUrl is not null || ApiKey is not null)) return ValidationResult.Error("--from-storage reads storage, not the API: leave out --api-url and --api-key.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        SweepRetry? retry;
        if (settings.FromStorage)
        {
            await using var services = PlatformConfiguration.Services();
            var platform = services.GetRequiredService<StitchingPlatform>();
            retry = await platform.Coordinator.Control.RetryAsync(settings.Sweep!, SweepControl.ParseRetryStates(settings.Include)!, cancellationToken);
            if (retry is null)
            {
                AnsiConsole.MarkupLine($"[red]No sweep '{Markup.Escape(settings.Sweep!)}'.[/] See: results --list --from-storage");
                return 2;
            }
        }
        else
        {
            // An unknown sweep is the API's 404, an ApiException the CLI reports with exit 2.
            using var api = ApiClient.Create(settings.ApiUrl, settings.ApiKey);
            retry = await api.RetryAsync(settings.Sweep!, settings.Include, cancellationToken);
        }
        AnsiConsole.MarkupLine(Markup.Escape(retry.Message));
        foreach (var id in retry.JobIds) AnsiConsole.MarkupLine($"  {Markup.Escape(id)}");
        return 0;
    }
}
