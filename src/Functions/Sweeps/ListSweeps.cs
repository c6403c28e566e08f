using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Core.Contracts;
using Stitching.Core.Sweeps;
using Stitching.Functions.OpenApi;

namespace Stitching.Functions.Sweeps;

public sealed class ListSweeps(SweepCoordinator coordinator)
{
    [Function(nameof(ListSweeps))]
    [EndpointSummary("The sweeps, with their state and job counts")]
    public async Task<JsonHttpResult<IReadOnlyList<SweepSummary>>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps")] HttpRequest request, CancellationToken cancellationToken) =>
        TypedResults.Json(await coordinator.ListAsync(cancellationToken), PlatformJsonContext.Default.IReadOnlyListSweepSummary);
}
