using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Core.Contracts;
using Stitching.Core.Rendering;
using Stitching.Core.Storage;

namespace Stitching.Functions.Sweeps;

/// <summary>One result row by stitch id (a matrix cell's <c>stitchIds</c>), with its held-out curve; <c>?format=html</c> is the report's cell page.</summary>
public sealed class GetResult(StitchingStorage storage)
{
    [Function(nameof(GetResult))]
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
        return format == "html"
            ? TypedResults.Text(StitchResultPage.Html(sweep, row), "text/html; charset=utf-8")
            : TypedResults.Json(row, PlatformJsonContext.Default.StoredResult);
    }
}
