using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Core.Contracts;
using Stitching.Core.Rendering;
using Stitching.Core.Results;
using Stitching.Core.Sweeps;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// Sweep B against sweep A (<see cref="SweepComparison"/>): <c>GET /api/sweeps/{a}/compare/{b}?variant=&amp;sender=&amp;receiver=&amp;format=json|svg|png|html</c>.
/// The difference is B − A; cells outside both sweeps' spreads are marked. Sweeps that cannot be compared answer 409.
/// </summary>
public sealed class CompareSweeps(ResultsQuery results, IMatrixRenderer? renderer = null)
{
    [Function(nameof(CompareSweeps))]
    public async Task<Results<JsonHttpResult<SweepComparison>, FileContentHttpResult, ContentHttpResult, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps/{a}/compare/{b}")] HttpRequest request, string a, string b, CancellationToken cancellationToken)
    {
        if ((Problems.CheckId(a) ?? Problems.CheckId(b)) is { } bad) return bad;
        var format = request.Query["format"].ToString() is { Length: > 0 } f ? f : "json";
        if (format is not ("json" or "png" or "svg" or "html")) return Problems.BadRequest($"format must be json, png, svg or html, got '{format}'.");
        SweepComparison comparison;
        try
        {
            var variant = request.Query["variant"].ToString() is { Length: > 0 } v ? ResultsQuery.ParseVariant(v) : Variant.TrainedToTrained;
            comparison = await results.CompareAsync(a, b, variant, QueryValues.OrNull(request.Query["sender"]), QueryValues.OrNull(request.Query["receiver"]), cancellationToken);
        }
        catch (KeyNotFoundException e)
        {
            return Problems.Missing(e.Message);
        }
        catch (IncomparableSweepsException e)
        {
            return Problems.Conflict(e.Message);
        }
        catch (ArgumentException e)
        {
            return Problems.BadRequest(e.Message);
        }
        if (format == "json") return TypedResults.Json(comparison, PlatformJsonContext.Default.SweepComparison);
        if (format == "html") return TypedResults.Text(ComparisonPage.Html(comparison, renderer), "text/html; charset=utf-8");
        if (renderer is null) return Problems.NotImplemented("No matrix renderer is registered; use format=json or html.");
        return format == "png"
            ? TypedResults.File(renderer.RenderDifferencePng(comparison.Difference, ComparisonPage.ColorBarLabel), "image/png")
            : TypedResults.Text(renderer.RenderDifferenceSvg(comparison.Difference, ComparisonPage.ColorBarLabel), "image/svg+xml");
    }
}
