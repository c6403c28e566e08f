using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// POST /api/sweeps/{id}/retry[?include=failed,cancelled]: re-queues the sweep's failed (default) or also cancelled
/// jobs, keeping finished results; answers what it did, which may be nothing, with the reason.
/// </summary>
public sealed class RetrySweep(SweepCoordinator coordinator)
{
    [Function(nameof(RetrySweep))]
    [EndpointSummary("Re-queue a sweep's failed (and optionally cancelled) jobs, keeping finished results")]
    [QueryParameter("include", typeof(string), "Which jobs to re-queue: failed and/or cancelled, comma-separated.", Default = "failed")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The id is not a sweep id.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "No sweep has this id.")]
    public async Task<Results<JsonHttpResult<SweepRetry>, ValidationProblem, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "sweeps/{id}/retry")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (Problems.CheckId(id) is { } bad) return bad;
        var text = request.Query["include"].ToString();
        if (SweepControl.ParseRetryStates(text.Length == 0 ? "failed" : text) is not { } include)
            return Problems.Invalid([new ValidationError("include", $"include lists failed and/or cancelled, comma-separated; got '{(text.Length > 40 ? text[..40] : text)}'.")], "Bad query");
        var retry = await coordinator.Control.RetryAsync(id, include, cancellationToken);
        return retry is null ? Problems.NotFound(id) : TypedResults.Json(retry, PlatformJsonContext.Default.SweepRetry);
    }
}
