using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;
using Stitching.Platform.Storage;
using Stitching.Reporting.Tables;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// Several sweeps' results as one long table (<see cref="LongResultsTable"/>): <c>GET /api/results?sweeps=ID1,ID2&amp;format=long-csv|parquet</c>
/// (long-csv when not given), or every sweep carrying a tag (<c>?tag=T</c>, newest first, as the listing orders them), with the
/// results listing's filters. Rows come sweep by sweep in the order listed.
/// </summary>
public sealed class ExportResults(ResultsQuery results, SweepQueries queries)
{
    /// <summary>Most sweeps in one export: each is read whole from the results table into memory.</summary>
    public const int MaxSweeps = 50;

    [Function(nameof(ExportResults))]
    [EndpointSummary("Several sweeps' results as one long table (CSV or Parquet), one row per stitch with every setting of its sweep")]
    [QueryParameter("sweeps", typeof(string), "The sweep ids, comma-separated (at most 50); rows come sweep by sweep in this order. Give this or tag.")]
    [QueryParameter("tag", typeof(string), "Every sweep carrying this tag (case-insensitive; repeat to require several), newest first; at most 50. Give this or sweeps.")]
    [QueryParameter("format", typeof(string), "long-csv (default) or parquet.", Values = ["long-csv", "parquet"], Default = "long-csv")]
    [QueryParameter("variant", typeof(string), "Only this stitch variant (e.g. trained->trained).")]
    [QueryParameter("senderLayer", typeof(string), "Only stitches from this sender layer (e.g. 2.0).")]
    [QueryParameter("receiverLayer", typeof(string), "Only stitches into this receiver layer.")]
    [QueryParameter("senderArch", typeof(string), "Only stitches from this sender architecture.")]
    [QueryParameter("receiverArch", typeof(string), "Only stitches into this receiver architecture.")]
    [ContentResponse("text/csv", "The long table as CSV (format=long-csv).")]
    [ContentResponse("application/vnd.apache.parquet", "The long table as Parquet (format=parquet): typed columns, numbers as numbers, flags as booleans.")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "sweeps, format or a filter is invalid.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "A listed sweep does not exist.")]
    public async Task<Results<ContentHttpResult, FileContentHttpResult, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "results")] HttpRequest request, CancellationToken cancellationToken)
    {
        var format = request.Query["format"].ToString() is { Length: > 0 } f ? f : "long-csv";
        if (format is not ("long-csv" or "parquet")) return Problems.BadRequest($"format must be long-csv or parquet, got '{format}'.");
        var ids = request.Query["sweeps"].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();
        var tags = request.Query["tag"].ToArray();
        if (tags.Length > 0)
        {
            if (ids.Count > 0) return Problems.BadRequest("Give sweeps or tag, not both.");
            // The listing's own parser and order: a tag export holds exactly the sweeps GET /api/sweeps?tag= lists.
            var (query, errors) = SweepListQuery.Parse(tags, null, null, null, null);
            if (query is null) return Problems.BadRequest(string.Join(" ", errors.Select(e => e.Message)));
            var page = await queries.ListPageAsync(query with { PageSize = MaxSweeps + 1 }, cancellationToken);
            if (page.Sweeps.Count > MaxSweeps)
                return Problems.BadRequest($"{MaxSweeps}+ sweeps carry tag {string.Join(", ", tags)}; at most {MaxSweeps} go into one export: list them (GET /api/sweeps?tag=) and export by sweeps=.");
            if (page.Sweeps.Count == 0) return Problems.Missing($"No sweep carries tag {string.Join(", ", tags)}.");
            ids = page.Sweeps.Select(s => s.SweepId).ToList();
        }
        if (ids.Count == 0) return Problems.BadRequest("Give sweeps (one or more sweep ids, comma-separated: sweeps=ID1,ID2) or tag.");
        if (ids.Count > MaxSweeps) return Problems.BadRequest($"sweeps lists {ids.Count} sweeps; at most {MaxSweeps} go into one export.");
        if (ids.FirstOrDefault(id => !StorageIds.IsValid(id)) is { } bad)
            return Problems.BadRequest($"sweeps: '{bad}' is not a sweep id (letters, digits, '.', '_' and '-' only).");
        var q = request.Query;
        ResultsFilter filter = new(QueryValues.OrNull(q["variant"]), QueryValues.OrNull(q["senderLayer"]), QueryValues.OrNull(q["receiverLayer"]),
            QueryValues.OrNull(q["senderArch"]), QueryValues.OrNull(q["receiverArch"]));
        IReadOnlyList<SweepResults> sweeps;
        try
        {
            sweeps = await results.SweepResultsAsync(ids, filter, cancellationToken);
        }
        catch (KeyNotFoundException e)
        {
            return Problems.Missing(e.Message);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
        return format == "long-csv"
            ? TypedResults.Text(LongResultsTable.ToCsv(sweeps), "text/csv; charset=utf-8")
            : TypedResults.File(await LongResultsParquet.ToBytesAsync(sweeps, cancellationToken), "application/vnd.apache.parquet", "results.parquet");
    }
}
