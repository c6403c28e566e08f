using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Stitching.Domain.Analysis;
using Stitching.Platform.Coordination;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// The pair report a request names (<c>?sender=&amp;receiver=</c>; the sweep's first pair when absent), for the functions
/// that serve parts of it (<see cref="GetMatrix"/>, <see cref="GetPatterns"/>). Not a function: the API document's source
/// scan reads this file as part of each function that names it.
/// </summary>
internal static class PairReportRequest
{
    /// <summary>The report, or the problem to answer: 400 for a pair the sweep does not have, 404 for an unknown sweep.</summary>
    public static async Task<(PairReport? Report, ProblemHttpResult? Problem)> ReadAsync(ResultsQuery results, HttpRequest request, string id,
        CancellationToken cancellationToken)
    {
        try
        {
            var report = await results.ReportAsync(id, QueryValues.OrNull(request.Query["sender"]), QueryValues.OrNull(request.Query["receiver"]), cancellationToken);
            return report is null ? (null, Problems.NotFound(id)) : (report, null);
        }
        catch (ArgumentException e)
        {
            return (null, Problems.BadRequest(e.Message));
        }
    }
}
