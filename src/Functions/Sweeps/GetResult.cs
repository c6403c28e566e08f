using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;
using Stitching.Platform.Storage;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.Functions.Sweeps;

/// <summary>One result row by stitch id (a matrix cell's <c>stitchIds</c>), with its held-out curve; <c>?format=html</c> is the report's cell page.</summary>
public sealed class GetResult(ResultsQuery results, StitchingStorage storage)
{
    [Function(nameof(GetResult))]
    [EndpointSummary("One stitch's result row with its held-out curve, runner and checkpoint; html: the report's cell page")]
    [QueryParameter("format", typeof(string), "json (default) or html (the cell page with the curve drawn).", Values = ["json", "html"], Default = "json")]
    [ContentResponse("text/html", "The cell page (format=html).")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The id or stitch id is malformed, or format is not json or html.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "No sweep has this id, or it has no such result (yet).")]
    public async Task<Results<JsonHttpResult<StoredResult>, ContentHttpResult, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps/{id}/results/{stitchId}")] HttpRequest request, string id, string stitchId,
        CancellationToken cancellationToken)
    {
        if (Problems.CheckId(id) is { } bad) return bad;
        if (!StorageIds.IsValid(stitchId)) return Problems.BadRequest("A stitch id has letters, digits, '.', '_' and '-' only.");
        var format = request.Query["format"].ToString();
        if (format is not ("" or "json" or "html")) return Problems.BadRequest("format must be json or html.");
        var sweep = await storage.GetSweepAsync(id, cancellationToken);
        if (sweep is null) return Problems.NotFound(id);
        var row = await storage.GetResultAsync(id, stitchId, cancellationToken);
        if (row is null)
            return TypedResults.Problem($"Sweep '{id}' has no result '{stitchId}' (yet).", statusCode: StatusCodes.Status404NotFound, title: "Not found");
        if (format != "html") return TypedResults.Json(row, PlatformJsonContext.Default.StoredResult);
        var r = row.Result;
        var cell = await results.ListAsync(id, new ResultsFilter(r.Variant, r.SenderLayer, r.ReceiverLayer, r.SenderArch, r.ReceiverArch), cancellationToken);
        return TypedResults.Text(StitchResultPage.Html(sweep, row, cell), "text/html; charset=utf-8");
    }
}
