using System.Text;
using System.Text.Json;
using Spectre.Console;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>results</c> against the API (its URL and function key, never storage credentials): the listing from
/// <c>GET /api/sweeps</c>, one sweep's rows from <c>GET /api/sweeps/{id}/results</c>, several sweeps' long table from
/// <c>GET /api/results</c>. The API renders CSV, JSON and Parquet itself with the writers the storage path uses, so what
/// is written is what it sent (the CSV files equal the storage path's byte for byte: ServiceCliTests).
/// </summary>
public static class ResultsFromApi
{
    public static async Task<int> RunAsync(ResultsCommand.Settings settings, CancellationToken cancellationToken)
    {
        using var api = ApiClient.Create(settings.ApiUrl, settings.ApiKey);
        if (settings.List)
        {
            ResultsCommand.WriteList(settings, await ListAsync(api, settings, cancellationToken));
            return 0;
        }
        (string, string?)[] filter = [("variant", settings.Variant), ("senderLayer", settings.SenderLayer), ("receiverLayer", settings.ReceiverLayer)];
        if (settings.Format is "long-csv" or "parquet")
        {
            var ids = settings.Sweep!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct();
            Write(settings.Out, await api.GetAsync("api/results", [("sweeps", string.Join(',', ids)), ("format", settings.Format), .. filter], cancellationToken));
            return 0;
        }
        var route = $"api/sweeps/{Uri.EscapeDataString(settings.Sweep!)}/results";
        // table: the JSON rows, drawn here as the storage path draws them.
        var format = settings.Format == "table" ? "json" : settings.Format;
        var body = await api.GetAsync(route, [("kind", settings.Kind), ("format", format), .. filter], cancellationToken);
        if (settings.Format != "table")
        {
            Write(settings.Out, body);
            return 0;
        }
        var rows = JsonSerializer.Deserialize(body, PlatformJsonContext.Default.IReadOnlyListStoredResult)
            ?? throw new ApiException($"GET {route} answered no rows (null).");
        AnsiConsole.Write(ResultsCommand.ResultTable(rows));
        return 0;
    }

    /// <summary>One page with --page-size or --continuation; otherwise every page, followed to the last (as the storage path lists).</summary>
    private static async Task<SweepPage> ListAsync(ApiClient api, ResultsCommand.Settings settings, CancellationToken cancellationToken)
    {
        var paged = settings.PageSize is not null || settings.Continuation is not null;
        var sweeps = new List<SweepSummary>();
        var continuation = settings.Continuation;
        while (true)
        {
            var body = await api.GetAsync("api/sweeps",
                [.. settings.Tags.Select(t => ("tag", (string?)t)), ("state", settings.State), ("since", settings.Since),
                 ("pageSize", paged ? settings.PageSize : SweepListQuery.MaxPageSize.ToString(System.Globalization.CultureInfo.InvariantCulture)), ("continuation", continuation)],
                cancellationToken);
            var page = JsonSerializer.Deserialize(body, PlatformJsonContext.Default.SweepPage) ?? throw new ApiException("GET api/sweeps answered no page (null).");
            if (paged) return page;
            sweeps.AddRange(page.Sweeps);
            if (page.Continuation is null) return new SweepPage(sweeps, null);
            continuation = page.Continuation;
        }
    }

    /// <summary>To --out (replaced atomically) or standard output; Parquet always has --out (the settings check it).</summary>
    private static void Write(string? path, byte[] body)
    {
        if (path is not null) AtomicFile.WriteBytes(path, body);
        else
        {
            Console.Out.Write(Encoding.UTF8.GetString(body));
            Console.Out.Flush();
        }
    }
}
