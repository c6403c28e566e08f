using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Core.Contracts;
using Stitching.Core.Sweeps;
using Stitching.Functions.OpenApi;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// POST /api/sweeps: validates, plans and queues a sweep (202). With <c>?dryRun=true</c> it queues nothing and answers
/// 200 with the <see cref="SweepEstimate"/> (jobs, stitches, FLOPs, cache memory, time per device class, and a cost
/// when <c>pricePerGpuHour</c> is given).
/// </summary>
public sealed class SubmitSweep(SweepCoordinator coordinator)
{
    [Function(nameof(SubmitSweep))]
    [EndpointSummary("Submit a sweep (202), or estimate it without queuing anything (dryRun=true, 200)")]
    [QueryParameter("dryRun", typeof(bool), "true: plan and estimate only, answer 200 with the estimate and queue nothing.", Default = "false")]
    [QueryParameter("pricePerGpuHour", typeof(double), "With dryRun: a price per GPU hour in (0, 1000), to estimate each GPU's cost.")]
    [RequestBody(typeof(SweepSpecJson), nameof(SweepSpecJson.TypeInfo), "The sweep spec; unknown keys are refused.")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The body is empty or not JSON.")]
    [ProblemResponse(StatusCodes.Status413PayloadTooLarge, "The body is larger than 64 KB.")]
    public async Task<Results<Accepted<SweepAccepted>, Ok<SweepEstimate>, ValidationProblem, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "sweeps")] HttpRequest request, CancellationToken cancellationToken)
    {
        var dryRun = request.Query["dryRun"].ToString();
        if (dryRun is not ("" or "true" or "false")) return Problems.Invalid([new ValidationError("dryRun", $"dryRun must be true or false, got '{dryRun}'.")], "Bad query");
        var priceText = request.Query["pricePerGpuHour"].ToString();
        double? price = null;
        if (priceText.Length > 0)
        {
            if (!double.TryParse(priceText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) || !(p > 0 && p < 1000))
                return Problems.Invalid([new ValidationError("pricePerGpuHour", $"pricePerGpuHour must be a number of currency units per GPU hour in (0, 1000), got '{priceText}'.")], "Bad query");
            price = p;
        }

        var (spec, error, status) = await RequestBody.ReadJsonAsync(request, SweepSpecJson.TypeInfo, cancellationToken);
        if (spec is null) return TypedResults.Problem(error, statusCode: status, title: "Bad request body");
        if (dryRun == "true")
        {
            var (plan, errors) = SweepCoordinator.Plan(spec);
            return plan is null ? Problems.Invalid(errors) : TypedResults.Ok(SweepEstimate.Create(plan, price));
        }
        var submission = await coordinator.SubmitAsync(spec, cancellationToken);
        if (submission.Sweep is not { } sweep) return Problems.Invalid(submission.Errors);
        var location = $"{request.PathBase}/api/sweeps/{sweep.Id}";
        return TypedResults.Accepted(location, new SweepAccepted(sweep.Id, sweep.ModelJobs, sweep.StitchJobs, sweep.Stitches, location));
    }
}
