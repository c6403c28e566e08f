using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Functions;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.Platform.Tests;

public sealed class RenderedOutputTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [AzuriteFact]
    public async Task Matrix_endpoint_answers_png_and_svg_and_results_endpoint_answers_the_engines_csv()
    {
        // Given a finished sweep of 4 stitches
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        await TestPlatform.DrainAsync(env.Processor(new FakeExecutor()));

        // When the matrix is asked for as PNG and SVG, and the results as CSV
        var png = await Http.ExecuteAsync(await new GetMatrix(env.Platform.Results).RunAsync(Http.Request(query: "?format=png"), id, default));
        var svg = await Http.ExecuteAsync(await new GetMatrix(env.Platform.Results).RunAsync(Http.Request(query: "?format=svg"), id, default));
        var csv = await Http.ExecuteAsync(await new GetResults(env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(query: "?format=csv"), id, default));

        // Then each is the real thing
        Assert.Equal(200, png.Status);
        Assert.Equal("image/png", png.ContentType);
        Assert.Equal(PngSignature, png.Bytes[..8]);
        Png.AssertDrawn(png.Bytes);
        Assert.Equal(200, svg.Status);
        Assert.StartsWith("image/svg+xml", svg.ContentType);
        Assert.Contains("<svg", svg.Body);
        // drawn by the one renderer a local sweep draws its matrix files with
        var json = await Http.ExecuteAsync(await new GetMatrix(env.Platform.Results).RunAsync(Http.Request(), id, default));
        // (up to the ids ScottPlot numbers its clip paths with, a counter per process)
        static string Ids(string svg) => System.Text.RegularExpressions.Regex.Replace(svg, "cl_[0-9a-z]+", "cl_");
        var local = MatrixRenderer.RenderSvg(System.Text.Json.JsonSerializer.Deserialize(json.Body, PlatformJsonContext.Default.SimilarityMatrix)!);
        Assert.Equal(Ids(local), Ids(svg.Body));
        Assert.Equal(200, csv.Status);
        Assert.StartsWith("text/csv", csv.ContentType);
        var lines = csv.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(string.Join(',', ResultsCsv.Columns), lines[0]);
        Assert.Equal(5, lines.Length);
        Assert.Equal(4, ResultsCsv.Read(new StringReader(csv.Body)).Count);
    }
}
