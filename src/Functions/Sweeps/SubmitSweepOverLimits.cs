using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// POST /api/sweeps/over-limits: the admin's submission, which queues a sweep whatever its estimate. Authorization level
/// Admin, so only the host's master key passes the Functions host (a function key gets 401 there, before this code);
/// the local host, on loopback only, serves it with no key like every route.
/// </summary>
public sealed class SubmitSweepOverLimits(SweepCoordinator coordinator, IOptions<SweepLimitOptions>? limits = null)
{
    private readonly SweepLimitOptions _limits = limits?.Value ?? new();

    [Function(nameof(SubmitSweepOverLimits))]
    [EndpointSummary("Submit a sweep over the submission limits (admin: the host's master key)")]
    [EndpointDescription("Like POST /api/sweeps, but the spend limits (Stitching:Limits) are not applied; jobs are still sized to the replica timeout. Needs the Function app's master key " +
                         "(az functionapp keys list ... --query masterKey) in x-functions-key; a function key is refused by the host.")]
    [QueryParameter("dryRun", typeof(bool), "true: plan and estimate only, answer 200 with the estimate and queue nothing.", Default = "false")]
    [QueryParameter("pricePerGpuHour", typeof(double), "With dryRun: a price per GPU hour in (0, 1000), to estimate each GPU's cost.")]
    [RequestBody(typeof(SweepSpecJson), nameof(SweepSpecJson.TypeInfo), "The sweep spec; unknown keys are refused.")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The body is empty or not JSON.")]
    [ProblemResponse(StatusCodes.Status409Conflict, "The Idempotency-Key header (optional, 1..200 printable ASCII characters) was used for another spec, or its first request is still being submitted. The same key with the same spec answers the first sweep again (202, same id), so a retried request never queues a second sweep.")]
    [ProblemResponse(StatusCodes.Status413PayloadTooLarge, "The body is larger than 64 KB.")]
    [ProblemResponse(StatusCodes.Status422UnprocessableEntity, "One job (a model's training, or a single stitch) cannot fit the runner's replica timeout (Stitching:Limits:ReplicaTimeoutSeconds): the problem states its estimate and the limit. The admin route does not waive it.")]
    public async Task<Results<Accepted<SweepAccepted>, Ok<SweepEstimate>, ValidationProblem, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Admin, "post", Route = "sweeps/over-limits")] HttpRequest request, CancellationToken cancellationToken)
    {
        var (submission, invalid, problem) = await SweepSubmissionRequest.ReadAsync(request, [], _limits, cancellationToken);
        if (invalid is not null) return invalid;
        if (submission is null) return problem!;
        if (submission.DryRun) return TypedResults.Ok(submission.Estimate());
        if (submission.TooLong() is { } tooLong) return tooLong;
        var (accepted, conflict) = await submission.QueueAsync(coordinator, request, cancellationToken);
        if (accepted is null) return conflict!;
        return accepted;
    }
}
