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
/// POST /api/sweeps: validates, plans and queues a sweep (202). With <c>?dryRun=true</c> it queues nothing and answers
/// 200 with the <see cref="SweepEstimate"/> (jobs, stitches, FLOPs, cache memory, time per device class, and a cost
/// when <c>pricePerGpuHour</c> is given). A sweep over the <see cref="SweepLimitOptions"/> is refused (422, stating its
/// estimate and the limits); only an admin may queue it anyway, through <see cref="SubmitSweepOverLimits"/>: the limits
/// guard the budget, so a function key (every client has one) cannot waive them. <c>?acceptEstimate=true</c>, which once
/// did, is answered 403 with the way to go.
/// </summary>
public sealed class SubmitSweep(SweepCoordinator coordinator, IOptions<SweepLimitOptions>? limits = null)
{
    private readonly SweepLimitOptions _limits = limits?.Value ?? new();

    [Function(nameof(SubmitSweep))]
    [EndpointSummary("Submit a sweep (202), or estimate it without queuing anything (dryRun=true, 200)")]
    [QueryParameter("dryRun", typeof(bool), "true: plan and estimate only, answer 200 with the estimate and queue nothing.", Default = "false")]
    [QueryParameter("pricePerGpuHour", typeof(double), "With dryRun: a price per GPU hour in (0, 1000), to estimate each GPU's cost.")]
    [QueryParameter("acceptEstimate", typeof(bool), "Only false here: exceeding the limits needs the admin route, POST /api/sweeps/over-limits with the host's master key; true is answered 403.", Default = "false")]
    [RequestBody(typeof(SweepSpecJson), nameof(SweepSpecJson.TypeInfo), "The sweep spec; unknown keys are refused.")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The body is empty or not JSON.")]
    [ProblemResponse(StatusCodes.Status403Forbidden, "acceptEstimate=true: a function key cannot waive the limits; an admin submits over them at POST /api/sweeps/over-limits.")]
    [ProblemResponse(StatusCodes.Status409Conflict, "The Idempotency-Key header (optional, 1..200 printable ASCII characters) was used for another spec, or its first request is still being submitted. The same key with the same spec answers the first sweep again (202, same id), so a retried request never queues a second sweep.")]
    [ProblemResponse(StatusCodes.Status413PayloadTooLarge, "The body is larger than 64 KB.")]
    [ProblemResponse(StatusCodes.Status422UnprocessableEntity, "The sweep's estimate exceeds the limits; the problem states both. An admin can queue it at POST /api/sweeps/over-limits. Or one job (a model's training, or a single stitch) cannot fit the runner's replica timeout: the problem states its estimate and the limit, and no route queues it.")]
    public async Task<Results<Accepted<SweepAccepted>, Ok<SweepEstimate>, ValidationProblem, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "sweeps")] HttpRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<ValidationError>();
        var acceptEstimate = SweepSubmissionRequest.Flag(request.Query["acceptEstimate"], "acceptEstimate", errors);
        if (errors.Count == 0 && acceptEstimate) return Problems.AdminRequired(SweepLimitOptions.AdminWay);
        var (submission, invalid, problem) = await SweepSubmissionRequest.ReadAsync(request, errors, _limits, cancellationToken);
        if (invalid is not null) return invalid;
        if (submission is null) return problem!;
        if (submission.DryRun) return TypedResults.Ok(submission.Estimate());
        if (submission.TooLong() is { } tooLong) return tooLong;
        if (SweepEstimate.Create(submission.Plan, submission.Dataset) is var estimate && _limits.Exceeded(estimate) is { } refusal)
            return Problems.OverLimits(refusal, new Dictionary<string, object?>
            {
                // The numbers of the sentence, for a client to show or compare without parsing it.
                ["stitches"] = estimate.Stitches,
                ["gpuHours"] = Math.Round(_limits.GpuHours(estimate), 2),
                ["deviceClass"] = _limits.Target(estimate).Device,
                ["maxStitches"] = _limits.MaxStitches,
                ["maxGpuHours"] = _limits.MaxGpuHours,
            });
        var (accepted, conflict) = await submission.QueueAsync(coordinator, request, cancellationToken);
        if (accepted is null) return conflict!;
        return accepted;
    }
}
