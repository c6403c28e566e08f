using Stitching.Domain.Results;
using Stitching.Reporting.Tables;

namespace Stitching.Reporting.Rendering;

/// <summary>
/// Heatmaps of similarity matrices. The ScottPlot implementation (MatrixRenderer) lives beside this; the API
/// takes the interface so it runs, with PNG/SVG answered 501, where no renderer is registered.
/// </summary>
public interface IMatrixRenderer
{
    byte[] RenderPng(SimilarityMatrix matrix);
    string RenderSvg(SimilarityMatrix matrix);
    byte[] RenderGridPng(IReadOnlyList<SimilarityMatrix> matrices);

    /// <summary>A matrix of differences (e.g. one sweep minus another): coloured over the data's own range, not accuracy's 0..1.</summary>
    byte[] RenderDifferencePng(SimilarityMatrix matrix, string colorBarLabel);
    string RenderDifferenceSvg(SimilarityMatrix matrix, string colorBarLabel);
}
