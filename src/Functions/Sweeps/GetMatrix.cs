using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Azure.Functions.Worker;
using Stitching.Domain.Analysis;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Functions.OpenApi;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.Functions.Sweeps;

public sealed class GetMatrix(ResultsQuery results)
{
    [Function(nameof(GetMatrix))]
    [EndpointSummary("A similarity matrix of a sweep, as JSON or rendered")]
    [QueryParameter("format", typeof(string), "json (default), or png or svg drawn as a local sweep draws its matrices.", Values = ["json", "png", "svg"], Default = "json")]
    [QueryParameter("variant", typeof(string), "Which matrix, by the name of the file a local sweep writes (matrix-{variant}): a stitch variant (trained->trained, the default, or its slug trained-trained), a control-subtracted one (trained-trained-minus-random-random, trained-random-minus-random-random, random-trained-minus-random-random) or interaction (tt - rt - tr + rr, with per-cell intervals over network pairs).")]
    [QueryParameter("sender", typeof(string), "The sender architecture of the (sender, receiver) pair; the sweep's first pair when absent.")]
    [QueryParameter("receiver", typeof(string), "The receiver architecture of the pair; the sweep's first pair when absent.")]
    [ContentResponse("image/png", "The matrix rendered as PNG (format=png).")]
    [ContentResponse("image/svg+xml", "The matrix rendered as SVG (format=svg).")]
    [ProblemResponse(StatusCodes.Status400BadRequest, "The id, format, variant or pair is invalid.")]
    [ProblemResponse(StatusCodes.Status404NotFound, "No sweep has this id.")]
    public async Task<Results<JsonHttpResult<SimilarityMatrix>, FileContentHttpResult, ContentHttpResult, ProblemHttpResult>> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "sweeps/{id}/matrix")] HttpRequest request, string id, CancellationToken cancellationToken)
    {
        if (Problems.CheckId(id) is { } bad) return bad;
        var format = request.Query["format"].ToString() is { Length: > 0 } f ? f : "json";
        if (format is not ("json" or "png" or "svg")) return Problems.BadRequest("format must be json, png or svg.");
        var name = request.Query["variant"].ToString() is { Length: > 0 } v ? v : Variant.TrainedToTrained.Slug();
        if (!Variants.TryParse(name, out _) && !SweepReport.Slugs.Contains(name))
            return Problems.BadRequest($"Unknown matrix '{name}'. Use a variant ({string.Join(", ", Variants.All.Select(x => x.Name()))}) or one of: {string.Join(", ", SweepReport.Slugs)}.");
        var (report, problem) = await PairReportRequest.ReadAsync(results, request, id, cancellationToken);
        if (report is null) return problem!;
        if (report.Find(name) is not { } matrix)
            return Problems.BadRequest($"This sweep has no matrix '{name}' (it needs the variants it is computed from); it has: {string.Join(", ", report.AllMatrices().Select(m => m.Slug))}.");
        if (format == "json") return TypedResults.Json(matrix, PlatformJsonContext.Default.SimilarityMatrix);
        // Differences (control-subtracted, interaction) are drawn on their own range, as the local sweep draws them.
        var difference = !Variants.TryParse(name, out _);
        return format == "png"
            ? TypedResults.File(difference ? MatrixRenderer.RenderDifferencePng(matrix, name) : MatrixRenderer.RenderPng(matrix), "image/png")
            : TypedResults.Text(difference ? MatrixRenderer.RenderDifferenceSvg(matrix, name) : MatrixRenderer.RenderSvg(matrix), "image/svg+xml");
    }
}
