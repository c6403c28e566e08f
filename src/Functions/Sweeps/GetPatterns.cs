using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Analysis;
using Stitching.Domain.Contracts;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Rendering;

namespace Stitching.Functions.Sweeps;

/// <summary>The paper's patterns for one pair of a sweep: the local sweep's patterns.json and patterns.md, from the same report builder.</summary>
public sealed class GetPatterns(ResultsQuery results)
{
    [Function(nameof(GetPatterns))]
    [EndpointSummary("The paper's four patterns for a pair of a sweep: statistic per network pair, interval, Holm-adjusted p, verdict, depth-cut sensitivity")]
    [QueryParameter("format", typeof(string), "json (default: patterns.json's list of verdicts) or md (patterns.md, with the interaction table).", Values = ["json", "md"], Default = "json")]
    [QueryParameter("sender", typeof(string), "The sender architecture of the (sender, receiver) pair; the sweep's first pair when absent.")]
    [QueryParameter("receiver", typeof(string), "The receiver architecture of the pair; the sweep's first pair when absent.")]
    [ContentResponse("text/markdown", "patterns.md (format=md).")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The id, format or pair is invalid.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "No sweep has this id.")]
    public async Task<Results<JsonHttpResult<IReadOnlyList<PatternVerdict>>, ContentHttpResult, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps/{id}/patterns")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (Problems.CheckId(id) is { } bad) return bad;
        var format = request.Query["format"].ToString() is { Length: > 0 } f ? f : "json";
        if (format is not ("json" or "md")) return Problems.BadRequest("format must be json or md.");
        var (report, problem) = await PairReportRequest.ReadAsync(results, request, id, cancellationToken);
        if (report is null) return problem!;
        return format == "json"
            ? TypedResults.Json(report.Patterns, PlatformJsonContext.Default.IReadOnlyListPatternVerdict)
            : TypedResults.Text(PatternsMarkdown.Write(report.Patterns, report.Interaction), "text/markdown");
    }
}
