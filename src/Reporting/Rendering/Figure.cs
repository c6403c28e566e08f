using ScottPlot;
using SkiaSharp;

namespace Stitching.Reporting.Rendering;

/// <summary>
/// A figure of one or more panels, written as PNG, SVG or PDF. It is built afresh for each format: heatmaps are a
/// bitmap in the PNG and rectangles in the vector formats, so a paper's SVG or PDF stays sharp at any zoom.
/// </summary>
public sealed class Figure
{
    private readonly Func<bool, (Multiplot Plots, int Width, int Height)> _build;

    /// <param name="build">Lays the figure out; its argument says whether the output is a vector format.</param>
    internal Figure(Func<bool, (Multiplot Plots, int Width, int Height)> build) => _build = build;

    public byte[] ToPng()
    {
        var (plots, width, height) = _build(false);
        return plots.Render(width, height).GetImageBytes(ImageFormat.Png);
    }

    public string ToSvg()
    {
        var (plots, width, height) = _build(true);
        // What Plot.GetSvgXml does for one plot (ScottPlot keeps its SvgImage internal): Skia's SVG canvas, flushed on dispose.
        using var stream = new MemoryStream();
        using (var canvas = SKSvgCanvas.Create(new SKRect(0, 0, width, height), stream))
            plots.Render(canvas, new PixelRect(0, width, height, 0));
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>One page the figure's size (1 px = 1 pt), drawn by Skia's PDF backend: text stays text, cells stay rectangles.</summary>
    public byte[] ToPdf()
    {
        var (plots, width, height) = _build(true);
        using var stream = new MemoryStream();
        using (var document = SKDocument.CreatePdf(stream)
            ?? throw new PlatformNotSupportedException("This SkiaSharp native library was built without its PDF backend."))
        {
            plots.Render(document.BeginPage(width, height), new PixelRect(0, width, height, 0));
            document.EndPage();
            document.Close();
        }
        return stream.ToArray();
    }
}
