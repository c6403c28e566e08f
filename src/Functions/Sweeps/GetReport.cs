using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;
using Stitching.Platform.Storage;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.Functions.Sweeps;

/// <summary>The report page; <c>?part=live</c> answers only its changing part, which the page's script polls while the sweep runs.</summary>
public sealed class GetReport(SweepQueries queries, ResultsQuery results, StitchingStorage storage)
{
    [Function(nameof(GetReport))]
    [EndpointSummary("A sweep's report: an HTML page with its status, matrices, base models and, when the sweep asked for analyses, their summary")]
    [QueryParameter("part", typeof(string), "live: only the page's changing part (progress, matrices, analyses, failures), which its script polls.", Values = ["live"])]
    [ContentResponse("text/html", "The report page.")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The id is not a sweep id.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "No sweep has this id.")]
    public async Task<Results<ContentHttpResult, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps/{id}/report")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (Problems.CheckId(id) is { } bad) return bad;
        var part = request.Query["part"].ToString();
        if (part is not ("" or SweepReportPage.LivePart)) return Problems.BadRequest($"part must be {SweepReportPage.LivePart} or absent.");
        var sweep = await storage.GetSweepAsync(id, cancellationToken);
        var status = await queries.GetStatusAsync(id, cancellationToken);
        if (sweep is null || status is null) return Problems.NotFound(id);
        var matrices = await results.MatricesAsync(sweep, cancellationToken);
        var models = new List<(string, ModelResult?)>();
        foreach (var m in SweepPlan.Create(sweep.Spec).Models)
            models.Add((m.Key, await storage.GetModelAsync(m.Key, cancellationToken)));
        var analyses = await results.AnalysesAsync(id, new ResultsFilter(), cancellationToken);
        if (part == SweepReportPage.LivePart)
            return TypedResults.Text(SweepReportPage.Live(status, matrices, models, pictures: true, analyses), "text/html; charset=utf-8");
        // The page drops any key from this link (SweepReportPage.WithoutKey); its script sends the key as a header instead.
        var code = request.Query["code"].ToString();
        var csv = $"results?format=csv{(code.Length > 0 ? "&code=" + Uri.EscapeDataString(code) : "")}";
        return TypedResults.Text(SweepReportPage.Html(sweep, status, matrices, models, pictures: true, csv, analyses), "text/html; charset=utf-8");
    }
}
