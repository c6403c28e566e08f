using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;

namespace Stitching.Functions.Sweeps;

public sealed class CancelSweep(SweepCoordinator coordinator, SweepQueries queries)
{
    [Function(nameof(CancelSweep))]
    [EndpointSummary("Cancel a sweep: its queued jobs become Cancelled, running ones finish; answers its status")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The id is not a sweep id.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "No sweep has this id.")]
    public async Task<Results<JsonHttpResult<SweepStatus>, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "sweeps/{id}/cancel")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (Problems.CheckId(id) is { } bad) return bad;
        if (!await coordinator.Control.CancelAsync(id, cancellationToken)) return Problems.NotFound(id);
        return TypedResults.Json((await queries.GetStatusAsync(id, cancellationToken))!, PlatformJsonContext.Default.SweepStatus);
    }
}
