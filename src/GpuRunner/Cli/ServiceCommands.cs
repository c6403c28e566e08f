using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Contracts;

namespace Stitching.GpuRunner.Cli;

/// <summary>Where the API is (<see cref="ApiClient"/>): what every service command takes.</summary>
public class ApiSettings : CommandSettings
{
    [CommandOption("--api-url <URL>"), Description("The API's base URL, e.g. https://<app>.azurewebsites.net (default: STITCHING_API_URL, else ~/.config/stitching/api.json).")]
    public string? ApiUrl { get; init; }

    [CommandOption("--api-key <KEY>"), Description("A function key (default: STITCHING_API_KEY, else the config file). Never storage credentials.")]
    public string? ApiKey { get; init; }
}

/// <summary>A command about one sweep of the platform.</summary>
public class SweepIdSettings : ApiSettings
{
    [CommandArgument(0, "<SWEEP_ID>"), Description("The sweep's id, as submit printed it.")]
    public string SweepId { get; init; } = "";
}

/// <summary><c>submit</c>: the sweep's options (or <c>--spec</c>) as a spec, POSTed to the API with an Idempotency-Key.</summary>
public sealed class SubmitCommand : AsyncCommand<SubmitCommand.Settings>
{
    public sealed class Settings : SweepCommand.Settings
    {
        [CommandOption("--api-url <URL>"), Description("The API's base URL (default: STITCHING_API_URL, else ~/.config/stitching/api.json).")]
        public string? ApiUrl { get; init; }

        [CommandOption("--api-key <KEY>"), Description("A function key (default: STITCHING_API_KEY, else the config file); with --over-limits, the host's master key.")]
        public string? ApiKey { get; init; }

        [CommandOption("--idempotency-key <KEY>"), Description("Names this submission: the same key and spec answer the first sweep again (default: a new key, kept across this command's own retries).")]
        public string? IdempotencyKey { get; init; }

        [CommandOption("--over-limits"), Description("Submit over the spend limits (POST /api/sweeps/over-limits; needs the master key).")]
        public bool OverLimits { get; init; }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var spec = settings.ToSpec();
        using var api = ApiClient.Create(settings.ApiUrl, settings.ApiKey);
        var accepted = await api.SubmitAsync(spec, settings.IdempotencyKey ?? Guid.NewGuid().ToString("N"), settings.OverLimits, cancellationToken);
        Console.WriteLine($"sweep {accepted.SweepId}: {accepted.ModelJobs} model jobs, {accepted.StitchJobs} stitch jobs, {accepted.Stitches} stitches queued");
        Console.WriteLine($"watch it: watch {accepted.SweepId}");
        return 0;
    }
}

/// <summary><c>status</c>: a sweep's state and job counts, from the API.</summary>
public sealed class StatusCommand : AsyncCommand<SweepIdSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SweepIdSettings settings, CancellationToken cancellationToken)
    {
        using var api = ApiClient.Create(settings.ApiUrl, settings.ApiKey);
        Console.WriteLine(Line(await api.StatusAsync(settings.SweepId, cancellationToken)));
        return 0;
    }

    /// <summary>One line a log or a terminal can follow: state, progress and each job count.</summary>
    public static string Line(SweepStatus s) => string.Create(CultureInfo.InvariantCulture,
        $"sweep {s.SweepId}{(s.Name is { Length: > 0 } n ? $" ({n})" : "")}: {s.State}, {s.Progress:P0} ({s.Done}/{s.Total} jobs done, {s.Running} running, {s.Queued} queued, {s.Failed} failed, {s.Cancelled} cancelled){(s.Finished ? ", finished" : "")}")
        + string.Concat(s.Failures.Select(f => $"\n  failed: {f.JobId} ({f.Kind}, {f.Attempts} attempts): {f.Error}"));
}

/// <summary><c>watch</c>: the sweep's status every few seconds until it finishes; exit 0 when every job is done, 1 otherwise.</summary>
public sealed class WatchCommand : AsyncCommand<WatchCommand.Settings>
{
    public sealed class Settings : SweepIdSettings
    {
        [CommandOption("--interval <SECONDS>"), Description("Seconds between two looks (default 10).")]
        public double Interval { get; init; } = 10;

        public override ValidationResult Validate() =>
            Interval is >= 0.1 and <= 3600 ? ValidationResult.Success() : ValidationResult.Error($"--interval must be 0.1..3600 seconds, got {Interval}.");
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        using var api = ApiClient.Create(settings.ApiUrl, settings.ApiKey);
        string? last = null;
        while (true)
        {
            var status = await api.StatusAsync(settings.SweepId, cancellationToken);
            var line = StatusCommand.Line(status);
            // A line per change: a log of a long sweep stays short.
            if (line != last) Console.WriteLine($"{DateTimeOffset.Now:HH:mm:ss} {line}");
            last = line;
            if (status.Finished) return status.Failed == 0 && status.Cancelled == 0 ? 0 : 1;
            await Task.Delay(TimeSpan.FromSeconds(settings.Interval), cancellationToken);
        }
    }
}

/// <summary><c>cancel</c>: stops a sweep through the API; its finished results stay.</summary>
public sealed class CancelCommand : AsyncCommand<SweepIdSettings>
{
    public override async Task<int> ExecuteAsync(CommandContext context, SweepIdSettings settings, CancellationToken cancellationToken)
    {
        using var api = ApiClient.Create(settings.ApiUrl, settings.ApiKey);
        Console.WriteLine(StatusCommand.Line(await api.CancelAsync(settings.SweepId, cancellationToken)));
        return 0;
    }
}
