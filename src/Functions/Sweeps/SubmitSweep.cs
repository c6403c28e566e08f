using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Functions.OpenApi;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// POST /api/sweeps: validates, plans and queues a sweep (202). With <c>?dryRun=true</c> it queues nothing and answers
/// 200 with the <see cref="SweepEstimate"/> (jobs, stitches, FLOPs, cache memory, time per device class, and a cost
/// when <c>pricePerGpuHour</c> is given). A sweep over the <see cref="SweepLimitOptions"/> is refused (422, stating its
/// estimate and the limits) unless <c>?acceptEstimate=true</c>.
/// </summary>
public sealed class SubmitSweep(SweepCoordinator coordinator, IOptions<SweepLimitOptions>? limits = null)
{
    private readonly SweepLimitOptions _limits = limits?.Value ?? new();

    [Function(nameof(SubmitSweep))]
    [EndpointSummary("Submit a sweep (202), or estimate it without queuing anything (dryRun=true, 200)")]
    [QueryParameter("dryRun", typeof(bool), "true: plan and estimate only, answer 200 with the estimate and queue nothing.", Default = "false")]
    [QueryParameter("pricePerGpuHour", typeof(double), "With dryRun: a price per GPU hour in (0, 1000), to estimate each GPU's cost.")]
    [QueryParameter("acceptEstimate", typeof(bool), "true: queue a sweep even when its estimate exceeds the configured limits (Stitching:Limits).", Default = "false")]
    [RequestBody(typeof(SweepSpecJson), nameof(SweepSpecJson.TypeInfo), "The sweep spec; unknown keys are refused.")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The body is empty or not JSON.")]
    [ProblemResponse(StatusCodes.Status413PayloadTooLarge, "The body is larger than 64 KB.")]
    [ProblemResponse(StatusCodes.Status422UnprocessableEntity, "The sweep's estimate exceeds the limits; the problem states both. Resubmit with acceptEstimate=true.")]
    public async Task<Results<Accepted<SweepAccepted>, Ok<SweepEstimate>, ValidationProblem, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "sweeps")] HttpRequest request, CancellationToken cancellationToken)
    {
        var errors = new List<ValidationError>();
        var dryRun = Flag(request.Query["dryRun"], "dryRun", errors);
        var acceptEstimate = Flag(request.Query["acceptEstimate"], "acceptEstimate", errors);
        var priceText = request.Query["pricePerGpuHour"].ToString();
        double? price = null;
        if (priceText.Length > 0)
        {
            if (!double.TryParse(priceText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) || !(p > 0 && p < 1000))
                errors.Add(new ValidationError("pricePerGpuHour", $"pricePerGpuHour must be a number of currency units per GPU hour in (0, 1000), got '{SweepSpecValidator.Truncate(priceText)}'."));
            price = p;
        }
        if (errors.Count > 0) return Problems.Invalid(errors, "Bad query");

        var (spec, error, status) = await RequestBody.ReadJsonAsync(request, SweepSpecJson.TypeInfo, cancellationToken);
        if (spec is null) return TypedResults.Problem(error, statusCode: status, title: "Bad request body");
        var (planned, invalid) = SweepCoordinator.Plan(spec);
        if (planned is not { } plan) return Problems.Invalid(invalid);
        if (Dataset(spec) is not { } dataset)
            return Problems.Invalid([new ValidationError("trainLimit",
                $"A sweep on image folder {spec.Dataset} gives trainLimit and testLimit: the API does not read datasets, and its estimate and limits need the split sizes.")]);
        if (dryRun) return TypedResults.Ok(SweepEstimate.Create(plan, dataset, price));
        if (!acceptEstimate && SweepEstimate.Create(plan, dataset) is var estimate && _limits.Exceeded(estimate) is { } refusal)
            return Problems.OverLimits(refusal, new Dictionary<string, object?>
            {
                // The numbers of the sentence, for a client to show or compare without parsing it.
                ["stitches"] = estimate.Stitches,
                ["gpuHours"] = Math.Round(_limits.GpuHours(estimate), 2),
                ["deviceClass"] = _limits.Target(estimate).Device,
                ["maxStitches"] = _limits.MaxStitches,
                ["maxGpuHours"] = _limits.MaxGpuHours,
            });

        var sweep = await coordinator.SubmitAsync(plan, cancellationToken);
        var location = $"{request.PathBase}/api/sweeps/{sweep.Id}";
        return TypedResults.Accepted(location, new SweepAccepted(sweep.Id, sweep.ModelJobs, sweep.StitchJobs, sweep.Stitches, location));
    }

    /// <summary>
    /// The shape the estimate plans with: a built-in dataset's own; for an image folder, whose manifest lies in the datasets
    /// container that the API has no role on, the spec's limits as its sizes, 3 channels and 2 classes. Channels and
    /// classes change only the stem's and the head's FLOPs, a small part of any network here; null when a limit is missing.
    /// </summary>
    private static Stitching.Domain.Datasets.DatasetInfo? Dataset(SweepSpec spec) =>
        Stitching.Domain.Datasets.DatasetInfo.BuiltIn(spec.Dataset)
        ?? (spec is { TrainLimit: { } train, TestLimit: { } test } ? new(spec.Dataset, Classes: 2, Channels: 3, train, test) : null);

    /// <summary>A true/false query parameter, false when absent; anything else adds an error naming it.</summary>
    private static bool Flag(Microsoft.Extensions.Primitives.StringValues value, string name, List<ValidationError> errors)
    {
        var text = value.ToString();
        if (text is not ("" or "true" or "false")) errors.Add(new ValidationError(name, $"{name} must be true or false, got '{SweepSpecValidator.Truncate(text)}'."));
        return text == "true";
    }
}
