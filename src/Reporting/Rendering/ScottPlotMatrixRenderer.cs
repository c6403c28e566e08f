using Stitching.Domain.Results;
using Stitching.Reporting.Tables;

namespace Stitching.Reporting.Rendering;

/// <summary>The API's <see cref="IMatrixRenderer"/>: <see cref="MatrixRenderer"/> (ScottPlot) with one set of options.</summary>
public sealed class ScottPlotMatrixRenderer(RenderOptions? options = null) : IMatrixRenderer
{
    public byte[] RenderPng(SimilarityMatrix matrix) => MatrixRenderer.RenderPng(matrix, options);

    public string RenderSvg(SimilarityMatrix matrix) => MatrixRenderer.RenderSvg(matrix, options);

    public byte[] RenderGridPng(IReadOnlyList<SimilarityMatrix> matrices) => MatrixRenderer.RenderGridPng(matrices, options);

    public byte[] RenderDifferencePng(SimilarityMatrix matrix, string colorBarLabel) => MatrixRenderer.RenderPng(matrix, Differences(colorBarLabel));

    public string RenderDifferenceSvg(SimilarityMatrix matrix, string colorBarLabel) => MatrixRenderer.RenderSvg(matrix, Differences(colorBarLabel));

    // Same panel size as the accuracies, on the diverging scale every difference map shares.
    private RenderOptions Differences(string colorBarLabel) =>
        RenderOptions.Differences(colorBarLabel) with { Width = (options ?? RenderOptions.Default).Width, Height = (options ?? RenderOptions.Default).Height };
}
