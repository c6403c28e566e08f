using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// GET /api/sweeps[?tag=&amp;state=&amp;since=&amp;pageSize=&amp;continuation=]: one page of the sweeps, newest first, and the token
/// of the next (<see cref="SweepListQuery"/>). A repeated <c>tag</c> asks for sweeps carrying all of them.
/// </summary>
public sealed class ListSweeps(SweepQueries queries)
{
    [Function(nameof(ListSweeps))]
    [EndpointSummary("The sweeps, newest first, filtered by tag, state and creation time, a page at a time")]
    [QueryParameter("tag", typeof(string), "Only sweeps with this tag (case-insensitive); repeat to require several.")]
    [QueryParameter("state", typeof(string), "Only sweeps in this state (Planning, Active, Cancelled; any case).")]
    [QueryParameter("since", typeof(DateTimeOffset), "Only sweeps created at or after this ISO 8601 time (UTC when no offset).")]
    [QueryParameter("pageSize", typeof(int), "Sweeps per page, 1..1000.", Default = "100")]
    [QueryParameter("continuation", typeof(string), "The previous page's continuation token, with the same filters.")]
    public async Task<Results<JsonHttpResult<SweepPage>, ValidationProblem>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps")] HttpRequest request, CancellationToken cancellationToken)
    {
        var q = request.Query;
        var (query, errors) = SweepListQuery.Parse(q["tag"].ToArray(), q["state"], q["since"], q["pageSize"], q["continuation"]);
        if (query is null) return Problems.Invalid(errors, "Bad query");
        return TypedResults.Json(await queries.ListPageAsync(query, cancellationToken), PlatformJsonContext.Default.SweepPage);
    }
}
