using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// What both submission routes (<see cref="SubmitSweep"/>, and the admin's <see cref="SubmitSweepOverLimits"/>) read from a
/// request, the spec planned, and how they queue it; each route decides on the limits itself. Not a function: the
/// API document's source scan reads this file as part of each route that names it.
/// </summary>
internal sealed record SweepSubmissionRequest(SweepPlan Plan, DatasetInfo Dataset, JobFit Fit, bool DryRun, double? PricePerGpuHour)
{
    /// <summary>
    /// The query (<c>dryRun</c>, <c>pricePerGpuHour</c>, and whatever flags the route adds to <paramref name="errors"/>)
    /// and the body, planned with its stitch jobs sized to the runner's replica timeout (<see cref="JobFit"/>); or the
    /// problem to answer: <c>Invalid</c> for a bad query or spec (400 with the errors by field), <c>Problem</c> for a body
    /// that is not JSON or too large (400, 413).
    /// </summary>
    public static async Task<(SweepSubmissionRequest? Request, ValidationProblem? Invalid, ProblemHttpResult? Problem)> ReadAsync(
        HttpRequest request, List<ValidationError> errors, SweepLimitOptions limits, CancellationToken cancellationToken)
    {
        var dryRun = Flag(request.Query["dryRun"], "dryRun", errors);
        var priceText = request.Query["pricePerGpuHour"].ToString();
        double? price = null;
        if (priceText.Length > 0)
        {
            if (!double.TryParse(priceText, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var p) || !(p > 0 && p < 1000))
                errors.Add(new ValidationError("pricePerGpuHour", $"pricePerGpuHour must be a number of currency units per GPU hour in (0, 1000), got '{SweepSpecValidator.Truncate(priceText)}'."));
            price = p;
        }
        if (errors.Count > 0) return (null, Problems.Invalid(errors, "Bad query"), null);

        var (spec, error, status) = await RequestBody.ReadJsonAsync(request, SweepSpecJson.TypeInfo, cancellationToken);
        if (spec is null) return (null, null, TypedResults.Problem(error, statusCode: status, title: "Bad request body"));
        var (planned, invalid) = SweepCoordinator.Plan(spec);
        if (planned is not { } plan) return (null, Problems.Invalid(invalid), null);
        if (DatasetOf(spec) is not { } dataset)
            return (null, Problems.Invalid([new ValidationError("trainLimit",
                $"A sweep on image folder {spec.Dataset} gives trainLimit and testLimit: the API does not read datasets, and its estimate and limits need the split sizes.")]), null);
        var (sized, fit) = JobFit.Size(plan, dataset, limits);
        return (new SweepSubmissionRequest(sized, dataset, fit, dryRun, price), null, null);
    }

    /// <summary>The dry run's answer: the sized plan's estimate, with how its jobs fit (also when one cannot).</summary>
    public SweepEstimate Estimate() => SweepEstimate.Create(Plan, Dataset, PricePerGpuHour) with { Jobs = Fit };

    /// <summary>
    /// 422 for a sweep whose single unit cannot fit one runner execution, whatever the route: no admin can waive a replica
    /// timeout. Null when every job fits.
    /// </summary>
    public ProblemHttpResult? TooLong() => Fit.Problem is { } detail
        ? Problems.JobTooLong(detail, new Dictionary<string, object?>
        {
            // The numbers of the sentence, for a client to show or compare without parsing it.
            ["deviceClass"] = Fit.Device,
            ["estimatedSeconds"] = Math.Max(Fit.LongestModelJobSeconds, Fit.LongestStitchJobSeconds),
            ["jobBudgetSeconds"] = Fit.BudgetSeconds,
            ["replicaTimeoutSeconds"] = Fit.ReplicaTimeoutSeconds,
        })
        : null;

    /// <summary>
    /// The shape the estimate plans with: a built-in dataset's own; for an image folder, whose manifest lies in the datasets
    /// container that the API has no role on, the spec's limits as its sizes, 3 channels and 2 classes. Channels and
    /// classes change only the stem's and the head's FLOPs, a small part of any network here; null when a limit is missing.
    /// </summary>
    private static DatasetInfo? DatasetOf(SweepSpec spec) =>
        DatasetInfo.BuiltIn(spec.Dataset)
        ?? (spec is { TrainLimit: { } train, TestLimit: { } test } ? new(spec.Dataset, Classes: 2, Channels: 3, train, test) : null);

    /// <summary>
    /// Stores and queues the plan; the 202 both routes answer. With an <c>Idempotency-Key</c> header the same key and spec
    /// answer the first sweep again (202, same id) and the same key with another spec is a 409 (<see cref="IdempotentSubmissions"/>).
    /// </summary>
    public async Task<(Accepted<SweepAccepted>? Accepted, ProblemHttpResult? Problem)> QueueAsync(SweepCoordinator coordinator, HttpRequest request,
        CancellationToken cancellationToken)
    {
        SweepRecord sweep;
        if (request.Headers[IdempotentSubmissions.Header].ToString() is { Length: > 0 } key)
        {
            if (!IdempotentSubmissions.IsValidKey(key))
                return (null, Problems.BadRequest($"{IdempotentSubmissions.Header} must be 1..{IdempotentSubmissions.MaxKeyLength} printable ASCII characters."));
            var outcome = await new IdempotentSubmissions(coordinator).SubmitAsync(key, Plan, cancellationToken);
            if (outcome.Sweep is null) return (null, Problems.Conflict(outcome.Conflict!));
            sweep = outcome.Sweep;
        }
        else
        {
            sweep = await coordinator.SubmitAsync(Plan, cancellationToken);
        }
        var location = $"{request.PathBase}/api/sweeps/{sweep.Id}";
        return (TypedResults.Accepted(location, new SweepAccepted(sweep.Id, sweep.ModelJobs, sweep.StitchJobs, sweep.Stitches, location)), null);
    }

    /// <summary>A true/false query parameter, false when absent; anything else adds an error naming it.</summary>
    public static bool Flag(Microsoft.Extensions.Primitives.StringValues value, string name, List<ValidationError> errors)
    {
        var text = value.ToString();
        if (text is not ("" or "true" or "false")) errors.Add(new ValidationError(name, $"{name} must be true or false, got '{SweepSpecValidator.Truncate(text)}'."));
        return text == "true";
    }
}
