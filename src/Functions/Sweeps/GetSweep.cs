using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;

namespace Stitching.Functions.Sweeps;

public sealed class GetSweep(SweepQueries queries)
{
    [Function(nameof(GetSweep))]
    [EndpointSummary("A sweep's status and progress")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The id is not a sweep id.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "No sweep has this id.")]
    public async Task<Results<JsonHttpResult<SweepStatus>, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps/{id}")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (Problems.CheckId(id) is { } bad) return bad;
        var status = await queries.GetStatusAsync(id, cancellationToken);
        return status is null ? Problems.NotFound(id) : TypedResults.Json(status, PlatformJsonContext.Default.SweepStatus);
    }
}
