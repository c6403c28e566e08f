using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Core.Results;
using Stitching.Core.Storage;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// Several sweeps' results as one long table: <c>GET /api/results?sweeps=ID1,ID2&amp;format=long-csv|parquet</c>
/// (long-csv when not given), with the results listing's filters. Rows come sweep by sweep in the order listed.
/// </summary>
public sealed class ExportResults(ResultsQuery results)
{
    /// <summary>Most sweeps in one export: each is read whole from the results table into memory.</summary>
    public const int MaxSweeps = 50;

    [Function(nameof(ExportResults))]
    public async Task<Results<ContentHttpResult, FileContentHttpResult, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "results")] HttpRequest request, CancellationToken cancellationToken)
    {
        var format = request.Query["format"].ToString() is { Length: > 0 } f ? f : LongResults.CsvFormat;
        if (format is not (LongResults.CsvFormat or LongResults.ParquetFormat))
            return Problems.BadRequest($"format must be {LongResults.CsvFormat} or {LongResults.ParquetFormat}, got '{format}'.");
        var ids = request.Query["sweeps"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        if (ids.Count == 0) return Problems.BadRequest("sweeps must list one or more sweep ids, comma-separated (sweeps=ID1,ID2).");
        if (ids.Count > MaxSweeps) return Problems.BadRequest($"sweeps lists {ids.Count} sweeps; at most {MaxSweeps} go into one export.");
        if (ids.FirstOrDefault(id => !StorageIds.IsValid(id)) is { } bad)
            return Problems.BadRequest($"sweeps: '{bad}' is not a sweep id (letters, digits, '.', '_' and '-' only).");
        IReadOnlyList<SweepResults> sweeps;
        try
        {
            sweeps = await results.SweepResultsAsync(ids, QueryValues.ResultsFilter(request.Query), cancellationToken);
        }
        catch (KeyNotFoundException e)
        {
            return Problems.Missing(e.Message);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
        return format == LongResults.CsvFormat ? LongResults.Csv(sweeps) : await LongResults.ParquetAsync(sweeps, "results", cancellationToken);
    }
}
