using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Core.Contracts;
using Stitching.Core.Sweeps;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// GET /api/sweeps[?tag=&amp;state=&amp;since=&amp;pageSize=&amp;continuation=]: one page of the sweeps, newest first, and the token
/// of the next (<see cref="SweepListQuery"/>). A repeated <c>tag</c> asks for sweeps carrying all of them.
/// </summary>
public sealed class ListSweeps(SweepCoordinator coordinator)
{
    [Function(nameof(ListSweeps))]
    public async Task<Results<JsonHttpResult<SweepPage>, ValidationProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps")] HttpRequest request, CancellationToken cancellationToken)
    {
        var q = request.Query;
        var (query, errors) = SweepListQuery.Parse(q["tag"].ToArray(), q["state"], q["since"], q["pageSize"], q["continuation"]);
        if (query is null) return Problems.Invalid(errors, "Bad query");
        return TypedResults.Json(await coordinator.ListPageAsync(query, cancellationToken), PlatformJsonContext.Default.SweepPage);
    }
}
