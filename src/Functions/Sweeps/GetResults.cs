using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;
using Stitching.Platform.Storage;
using Stitching.Reporting.Tables;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// A sweep's results: JSON (default), <c>csv</c> (the engine's results.csv columns), or long format with every sweep setting
/// on each row, <c>long-csv</c> or <c>parquet</c> (<see cref="LongResultsTable"/>). With <c>kind=analysis</c>, the analysis rows
/// of a sweep that asked for analyses instead (<see cref="AnalysisResult"/>): JSON, or <c>csv</c> with analysis.csv's columns.
/// </summary>
public sealed class GetResults(ResultsQuery results, StitchingStorage storage)
{
    [Function(nameof(GetResults))]
    [EndpointSummary("A sweep's stitch results, filtered, as JSON, CSV, or the long table (CSV or Parquet) with every sweep setting on each row")]
    [QueryParameter("format", typeof(string), "json (default), csv (the engine's results.csv columns), or long-csv or parquet (one row per stitch with every setting of its sweep).", Values = ["json", "csv", "long-csv", "parquet"], Default = "json")]
    [QueryParameter("kind", typeof(string), "task (default): the task-trained stitches' results; analysis: the per-stitch analyses the sweep asked for (json or csv, analysis.csv's columns).", Values = ["task", "analysis"], Default = "task")]
    [QueryParameter("variant", typeof(string), "Only this stitch variant (e.g. trained->trained).")]
    [QueryParameter("senderLayer", typeof(string), "Only stitches from this sender layer (e.g. 2.0).")]
    [QueryParameter("receiverLayer", typeof(string), "Only stitches into this receiver layer.")]
    [QueryParameter("senderArch", typeof(string), "Only stitches from this sender architecture.")]
    [QueryParameter("receiverArch", typeof(string), "Only stitches into this receiver architecture.")]
    [ContentResponse("text/csv", "The rows as CSV: the engine's results.csv columns (format=csv), analysis.csv's (kind=analysis&format=csv) or the long table (format=long-csv).")]
    [ContentResponse("application/vnd.apache.parquet", "The long table as Parquet (format=parquet): typed columns, numbers as numbers, flags as booleans.")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The id, kind, format or a filter is invalid.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "No sweep has this id.")]
    public async Task<Results<JsonHttpResult<IReadOnlyList<StoredResult>>, JsonHttpResult<IReadOnlyList<AnalysisResult>>, ContentHttpResult, FileContentHttpResult, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps/{id}/results")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (Problems.CheckId(id) is { } bad) return bad;
        var format = request.Query["format"].ToString();
        if (format is not ("" or "json" or "csv" or "long-csv" or "parquet")) return Problems.BadRequest("format must be json, csv, long-csv or parquet.");
        var kind = request.Query["kind"].ToString();
        if (kind is not ("" or "task" or "analysis")) return Problems.BadRequest("kind must be task or analysis.");
        if (kind == "analysis" && format is not ("" or "json" or "csv")) return Problems.BadRequest("kind=analysis comes as json or csv.");
        if (await storage.GetSweepAsync(id, cancellationToken) is null) return Problems.NotFound(id);
        var q = request.Query;
        ResultsFilter filter = new(QueryValues.OrNull(q["variant"]), QueryValues.OrNull(q["senderLayer"]), QueryValues.OrNull(q["receiverLayer"]),
            QueryValues.OrNull(q["senderArch"]), QueryValues.OrNull(q["receiverArch"]));
        try
        {
            if (kind == "analysis")
            {
                var analyses = await results.AnalysesAsync(id, filter, cancellationToken);
                if (format != "csv") return TypedResults.Json(analyses, PlatformJsonContext.Default.IReadOnlyListAnalysisResult);
                // analysis.csv's columns, as a local sweep writes them.
                using var analysisCsv = new StringWriter();
                AnalysisCsv.Write(analysisCsv, analyses);
                return TypedResults.Text(analysisCsv.ToString(), "text/csv; charset=utf-8");
            }
            // The long table: every setting of the sweep on each row, so several sweeps' files concatenate (GET /api/results exports several).
            if (format == "long-csv") return TypedResults.Text(LongResultsTable.ToCsv(await results.SweepResultsAsync([id], filter, cancellationToken)), "text/csv; charset=utf-8");
            if (format == "parquet")
                return TypedResults.File(await LongResultsParquet.ToBytesAsync(await results.SweepResultsAsync([id], filter, cancellationToken), cancellationToken),
                    "application/vnd.apache.parquet", $"{id}-results.parquet");
            var rows = await results.ListAsync(id, filter, cancellationToken);
            if (format == "csv")
            {
                // The engine's results.csv columns, so a downloaded file reads like a local sweep's.
                using var csv = new StringWriter();
                ResultsCsv.Write(csv, rows.Select(r => r.Result));
                return TypedResults.Text(csv.ToString(), "text/csv; charset=utf-8");
            }
            return TypedResults.Json(rows, PlatformJsonContext.Default.IReadOnlyListStoredResult);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
    }
}
