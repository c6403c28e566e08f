using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.DevTools;
using Stitching.Domain.Jobs;
using Stitching.Platform.Queues;
using Stitching.Platform.Security;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>sas --component api|runner|timer|uploader</c>: prints, one <c>KEY=VALUE</c> a line, the environment that gives one
/// component of the offline stack exactly its rights from the role table (<see cref="OfflineSas.EnvironmentFor"/>): service
/// URIs carrying SAS tokens signed with Azurite's account key, and an empty connection string.
/// </summary>
public sealed class SasCommand : Command<SasCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--component <NAME>"), Description("api, runner, timer or uploader (the datasets upload command).")]
        public string? Component { get; init; }

        [CommandOption("--hours <N>"), Description("Lifetime of the SAS tokens in hours (default 24).")]
        public double Hours { get; init; } = 24;

        [CommandOption("--connection-string <CS>"), Description("Azurite connection string whose account key signs the tokens. "
            + "Default: Stitching__Storage__ConnectionString, else UseDevelopmentStorage=true.")]
        public string? ConnectionString { get; init; }

        [CommandOption("--backend <NAME>"), Description("Queue backend, storage or servicebus (no queue URI). Default: Stitching__Queue__Backend, else storage.")]
        public string? Backend { get; init; }

        [CommandOption("--under <SECTION>"), Description("Print the keys under SECTION instead of Stitching (e.g. Stitching__Local__Timer: "
            + "the timer's SAS for the local host, whose recovery loop runs with it).")]
        public string? Under { get; init; }

        public override ValidationResult Validate()
        {
            if (Component is null || !OfflineSas.TryParseComponent(Component, out _))
                return ValidationResult.Error($"--component must be api, runner, timer or uploader, got '{Component}'.");
            if (!(Hours > 0 && Hours <= 24 * 365)) return ValidationResult.Error($"--hours must be more than 0 and at most 8760, got {Hours}.");
            if (Backend is not (null or "storage" or "servicebus")) return ValidationResult.Error($"--backend must be storage or servicebus, got '{Backend}'.");
            if (Under is { } u && (u.Length == 0 || u.Contains('=') || u.Contains(' ') || u.EndsWith("__", StringComparison.Ordinal)))
                return ValidationResult.Error($"--under must be a configuration section such as Stitching__Local__Timer, got '{Under}'.");
            return ValidationResult.Success();
        }
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        _ = OfflineSas.TryParseComponent(settings.Component!, out var component); // Validate() has accepted it
        var configuration = PlatformConfiguration.Build();
        var connectionString = settings.ConnectionString is { Length: > 0 } given ? given
            : PlatformConfiguration.Storage(configuration).ConnectionString is { Length: > 0 } configured ? configured
            : "UseDevelopmentStorage=true";
        var queue = new JobQueueOptions { Backend = settings.Backend ?? configuration[$"{JobQueueOptions.Section}:{nameof(JobQueueOptions.Backend)}"] ?? "storage" };
        if (!queue.UsesServiceBus && !queue.Backend.Equals("storage", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{JobQueueOptions.Section}:Backend must be 'servicebus' or 'storage', not '{queue.Backend}'.");
        var environment = OfflineSas.EnvironmentFor(component, connectionString, OfflineSas.BackendOf(queue), TimeSpan.FromHours(settings.Hours));
        foreach (var (key, value) in environment)
            Console.Out.WriteLine($"{(settings.Under is { } under ? under + key["Stitching".Length..] : key)}={value}");
        return 0;
    }
}
