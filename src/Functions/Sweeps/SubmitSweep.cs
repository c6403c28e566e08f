using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Core.Contracts;
using Stitching.Core.Sweeps;

namespace Stitching.Functions.Sweeps;

public sealed class SubmitSweep(SweepCoordinator coordinator)
{
    [Function(nameof(SubmitSweep))]
    public async Task<Results<Accepted<SweepAccepted>, ValidationProblem, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "sweeps")] HttpRequest request, CancellationToken cancellationToken)
    {
        var (spec, error, status) = await RequestBody.ReadJsonAsync(request, SweepSpecJson.TypeInfo, cancellationToken);
        if (spec is null) return TypedResults.Problem(error, statusCode: status, title: "Bad request body");
        var submission = await coordinator.SubmitAsync(spec, cancellationToken);
        if (submission.Sweep is not { } sweep) return Problems.Invalid(submission.Errors);
        var location = $"{request.PathBase}/api/sweeps/{sweep.Id}";
        return TypedResults.Accepted(location, new SweepAccepted(sweep.Id, sweep.ModelJobs, sweep.StitchJobs, sweep.Stitches, location));
    }
}
