using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Core.Contracts;
using Stitching.Core.Results;
using Stitching.Core.Storage;
using Stitching.Functions.OpenApi;

namespace Stitching.Functions.Sweeps;

public sealed class GetResults(ResultsQuery results, StitchingStorage storage)
{
    [Function(nameof(GetResults))]
    [EndpointSummary("A sweep's stitch results, filtered, as JSON or CSV")]
    [QueryParameter("format", typeof(string), "json (default) or csv (the engine's results.csv columns).", Values = ["json", "csv"], Default = "json")]
    [QueryParameter("variant", typeof(string), "Only this stitch variant (e.g. trained->trained).")]
    [QueryParameter("senderLayer", typeof(string), "Only stitches from this sender layer (e.g. 2.0).")]
    [QueryParameter("receiverLayer", typeof(string), "Only stitches into this receiver layer.")]
    [QueryParameter("senderArch", typeof(string), "Only stitches from this sender architecture.")]
    [QueryParameter("receiverArch", typeof(string), "Only stitches into this receiver architecture.")]
    [ContentResponse("text/csv", "The rows as CSV (format=csv), in the engine's results.csv columns.")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The id, format or a filter is invalid.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "No sweep has this id.")]
    public async Task<Results<JsonHttpResult<IReadOnlyList<StoredResult>>, ContentHttpResult, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps/{id}/results")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (Problems.CheckId(id) is { } bad) return bad;
        var format = request.Query["format"].ToString();
        if (format is not ("" or "json" or "csv")) return Problems.BadRequest("format must be json or csv.");
        if (await storage.GetSweepAsync(id, cancellationToken) is null) return Problems.NotFound(id);
        var q = request.Query;
        ResultsFilter filter = new(Text(q["variant"]), Text(q["senderLayer"]), Text(q["receiverLayer"]), Text(q["senderArch"]), Text(q["receiverArch"]));
        IReadOnlyList<StoredResult> rows;
        try
        {
            rows = await results.ListAsync(id, filter, cancellationToken);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
        if (format == "csv")
        {
            // The engine's results.csv columns, so a downloaded file reads like a local sweep's.
            using var csv = new StringWriter();
            ResultsCsv.Write(csv, rows.Select(r => r.Result));
            return TypedResults.Text(csv.ToString(), "text/csv; charset=utf-8");
        }
        return TypedResults.Json(rows, PlatformJsonContext.Default.IReadOnlyListStoredResult);
    }

    private static string? Text(Microsoft.Extensions.Primitives.StringValues value) => value.Count == 0 ? null : value.ToString();
}
