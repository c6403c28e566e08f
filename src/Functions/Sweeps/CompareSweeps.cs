using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.Functions.Sweeps;

/// <summary>
/// Sweep B against sweep A (<see cref="SweepComparison"/>): <c>GET /api/sweeps/{a}/compare/{b}?variant=&amp;sender=&amp;receiver=&amp;format=json|svg|png|html</c>.
/// The difference is B − A; cells outside both sweeps' spreads are marked. Sweeps that cannot be compared answer 409.
/// </summary>
public sealed class CompareSweeps(ResultsQuery results)
{
    [Function(nameof(CompareSweeps))]
    [EndpointSummary("Sweep b minus sweep a, cell by cell for one variant, with the cells outside both sweeps' seed spreads marked")]
    [QueryParameter("format", typeof(string), "json (default), png or svg (the difference matrix, marked cells with an asterisk), or html (matrix, settings that differ, every cell).", Values = ["json", "png", "svg", "html"], Default = "json")]
    [QueryParameter("variant", typeof(string), "The stitch variant (e.g. trained->trained, the default).")]
    [QueryParameter("sender", typeof(string), "The sender architecture of the pair to compare; sweep a's first pair when absent.")]
    [QueryParameter("receiver", typeof(string), "The receiver architecture of the pair; sweep a's first pair when absent.")]
    [ContentResponse("image/png", "The difference matrix as PNG (format=png).")]
    [ContentResponse("image/svg+xml", "The difference matrix as SVG (format=svg).")]
    [ContentResponse("text/html", "The comparison as a page (format=html).")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "An id, format, variant or pair is invalid.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "Sweep a or b does not exist.")]
    [ProblemResponse(StatusCodes.Status409Conflict, "The sweeps cannot be compared: other datasets or architectures, a variant one did not run, or no layer in common.")]
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
        if (format == "html") return TypedResults.Text(ComparisonPage.Html(comparison), "text/html; charset=utf-8");
        return format == "png"
            ? TypedResults.File(MatrixRenderer.RenderDifferencePng(comparison.Difference, ComparisonPage.ColorBarLabel), "image/png")
            : TypedResults.Text(MatrixRenderer.RenderDifferenceSvg(comparison.Difference, ComparisonPage.ColorBarLabel), "image/svg+xml");
    }
}
