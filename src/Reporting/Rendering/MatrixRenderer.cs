using System.Globalization;
using ScottPlot;
using ScottPlot.Plottables;
using ScottPlot.TickGenerators;
using Stitching.Domain.Results;
using Stitching.Reporting.Tables;

namespace Stitching.Reporting.Rendering;

/// <summary>
/// Draws similarity matrices as annotated heatmaps like the seed paper's figures: sender layers down the
/// left (row 0 at the top), receiver layers along the bottom, the value in each cell, a colour bar.
/// </summary>
public static class MatrixRenderer
{
    public const string SenderAxisLabel = "sender layer";
    public const string ReceiverAxisLabel = "receiver layer (stitch replaces its output)";
    /// <summary>Appended to a head-only receiver column's label (<see cref="SimilarityMatrix.HeadOnlyColumns"/>).</summary>
    public const string HeadOnlyMark = " (head)";

    // Untrained (null) cells: neutral grey, distinct from every colormap's ends.
    private static readonly Color MissingCellColor = Color.FromHex("#E6E6E6");

    // ScottPlot's own Fonts.Sans detection picks DejaVu Serif on bare Linux images; the paper's figures are sans.
    private static readonly Lazy<string> SansFont = new(() =>
    {
        var installed = SkiaSharp.SKFontManager.Default.GetFontFamilies();
        return new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Segoe UI" }
            .FirstOrDefault(f => installed.Contains(f, StringComparer.OrdinalIgnoreCase)) ?? Fonts.Sans;
    });

    public static byte[] RenderPng(SimilarityMatrix matrix, RenderOptions? options = null)
    {
        options ??= RenderOptions.Default;
        var plot = CreatePlot(matrix, options, forSvg: false);
        return plot.GetImageBytes(options.Width, options.Height, ImageFormat.Png);
    }

    public static string RenderSvg(SimilarityMatrix matrix, RenderOptions? options = null)
    {
        options ??= RenderOptions.Default;
        var plot = CreatePlot(matrix, options, forSvg: true);
        return plot.GetSvgXml(options.Width, options.Height);
    }

    /// <summary>2 to 4 matrices side by side, each titled with its own title; the image is that many panels wide.</summary>
    public static byte[] RenderGridPng(IReadOnlyList<SimilarityMatrix> matrices, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(matrices);
        if (matrices.Count is < 1 or > 6)
            throw new ArgumentOutOfRangeException(nameof(matrices), matrices.Count, "A grid holds 1 to 6 matrices (the paper's figures have 4).");
        options ??= RenderOptions.Default;

        var multiplot = new Multiplot();
        multiplot.Reset(CreatePlot(matrices[0], options, forSvg: false));
        foreach (var m in matrices.Skip(1)) multiplot.AddPlot(CreatePlot(m, options, forSvg: false));
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        return multiplot.Render(options.Width * matrices.Count, options.Height).GetImageBytes(ImageFormat.Png);
    }

    /// <summary>
    /// Two rows in one image, each on its own scale: e.g. the four raw matrices above and the control-subtracted ones
    /// (differences in [-1, 1]) below, so a reader sees what survives the controls beside what was measured.
    /// </summary>
    public static byte[] RenderTwoRowGridPng(IReadOnlyList<SimilarityMatrix> top, RenderOptions topOptions,
        IReadOnlyList<SimilarityMatrix> bottom, RenderOptions bottomOptions)
    {
        if (top.Count is < 1 or > 6 || bottom.Count is < 1 or > 6)
            throw new ArgumentOutOfRangeException(nameof(top), "Each row holds 1 to 6 matrices.");
        var columns = Math.Max(top.Count, bottom.Count);
        var multiplot = new Multiplot();
        multiplot.Reset(CreatePlot(top[0], topOptions, forSvg: false));
        foreach (var m in top.Skip(1)) multiplot.AddPlot(CreatePlot(m, topOptions, forSvg: false));
        for (var k = top.Count; k < columns; k++)
        {
            var blank = new Plot();
            blank.Layout.Frameless();
            blank.HideGrid();
            multiplot.AddPlot(blank);
        }
        foreach (var m in bottom) multiplot.AddPlot(CreatePlot(m, bottomOptions, forSvg: false));
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(2, columns);
        return multiplot.Render(Math.Max(topOptions.Width, bottomOptions.Width) * columns, topOptions.Height + bottomOptions.Height).GetImageBytes(ImageFormat.Png);
    }

    private static Plot CreatePlot(SimilarityMatrix m, RenderOptions o, bool forSvg)
    {
        int rows = m.SenderLayers.Count, cols = m.ReceiverLayers.Count;
        if (rows == 0 || cols == 0) throw new ArgumentException($"Matrix '{m.Title}' has no layers to draw.", nameof(m));
        if (m.Values.Length != rows || m.Values.Any(r => r.Length != cols))
            throw new ArgumentException($"Matrix '{m.Title}' values are not {rows}x{cols} like its layer lists.", nameof(m));

        var intensities = new double[rows, cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
                intensities[i, j] = m.Values[i][j] ?? double.NaN;

        var range = ColorRange(m, o);
        var colormap = FindColormap(o.Colormap);
        var layout = FontSizes.For(rows, cols, o);

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = colormap;
        heatmap.ManualRange = range;
        heatmap.NaNCellColor = MissingCellColor;
        // Cell (i, j) covers x in [j, j+1], y in [rows-i-1, rows-i]: ScottPlot puts array row 0 at the top.
        heatmap.Rectangle = new CoordinateRect(0, cols, 0, rows);
        // The bitmap strategy embeds a raster in SVG; rectangles keep the SVG a vector drawing.
        if (forSvg) heatmap.RenderStrategy = new Heatmap.RenderStrategies.Rectangles();

        if (o.ShowValues)
            for (var i = 0; i < rows; i++)
                for (var j = 0; j < cols; j++)
                {
                    if (m.Values[i][j] is not { } v || double.IsNaN(v)) continue;
                    var mark = m.Marks is { } marks && marks[i][j] ? "*" : "";
                    var text = plot.Add.Text(v.ToString(o.ValueFormat, CultureInfo.InvariantCulture) + mark, j + 0.5, rows - i - 0.5);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = layout.Value;
                    text.LabelFontName = SansFont.Value;
                    text.LabelFontColor = ReadableOn(colormap.GetColor(v, range));
                }

        var colorBar = plot.Add.ColorBar(heatmap);
        colorBar.Label = o.ColorBarLabel;
        colorBar.LabelStyle.FontSize = layout.Axis;
        colorBar.Axis.TickLabelStyle.FontSize = layout.Tick;
        // The default generator packs a tick every 0.05 on a tall bar, and the caption then collides with them.
        colorBar.Axis.TickGenerator = new NumericAutomatic { TargetTickCount = 6, MinorTickGenerator = new EvenlySpacedMinorTickGenerator(1) };

        plot.Axes.Left.TickGenerator = Ticks(m.SenderLayers, i => rows - i - 0.5);
        // Head-only columns (only pooling and the classifier after the stitch: a linear probe) are marked on the axis.
        var headOnly = m.HeadOnlyColumns ?? [];
        plot.Axes.Bottom.TickGenerator = Ticks(m.ReceiverLayers.Select(l => headOnly.Contains(l) ? l + HeadOnlyMark : l).ToList(), j => j + 0.5);
        plot.Axes.Left.TickLabelStyle.FontSize = layout.Tick;
        plot.Axes.Bottom.TickLabelStyle.FontSize = layout.Tick;
        plot.Axes.Left.MajorTickStyle.Length = 3;
        plot.Axes.Bottom.MajorTickStyle.Length = 3;
        plot.Axes.Left.MinorTickStyle.Length = 0;
        plot.Axes.Bottom.MinorTickStyle.Length = 0;

        plot.Axes.Left.Label.Text = $"{SenderAxisLabel} ({m.SenderArch})";
        plot.Axes.Bottom.Label.Text = $"{ReceiverAxisLabel} ({m.ReceiverArch})";
        plot.Axes.Left.Label.FontSize = layout.Axis;
        plot.Axes.Bottom.Label.FontSize = layout.Axis;
        plot.Title(m.Title, layout.Title);

        plot.Font.Set(SansFont.Value);
        plot.Axes.Title.Label.Bold = true;
        plot.Axes.Left.Label.Bold = true;
        plot.Axes.Bottom.Label.Bold = true;
        plot.HideGrid();
        plot.Axes.SetLimits(0, cols, 0, rows);
        return plot;
    }

    private static NumericManual Ticks(IReadOnlyList<string> names, Func<int, double> position)
    {
        var ticks = new NumericManual();
        for (var k = 0; k < names.Count; k++) ticks.AddMajor(position(k), names[k]);
        return ticks;
    }

    private static ScottPlot.Range ColorRange(SimilarityMatrix m, RenderOptions o)
    {
        var present = m.Values.SelectMany(r => r).Where(v => v is { } x && !double.IsNaN(x)).Select(v => v!.Value).ToList();
        var min = o.Min ?? (present.Count > 0 ? present.Min() : 0);
        var max = o.Max ?? (present.Count > 0 ? present.Max() : 1);
        // A constant matrix (all equal, e.g. a zero std) would make a zero-width scale; widen it so colours stay defined.
        if (max <= min) (min, max) = (min - 0.5, min + 0.5);
        return new ScottPlot.Range(min, max);
    }

    private static IColormap FindColormap(string name) =>
        Colormap.GetColormaps().FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException(
            $"Unknown colormap '{name}'. Known: {string.Join(", ", Colormap.GetColormaps().Select(c => c.Name.ToLowerInvariant()))}.", nameof(name));

    /// <summary>Black on light cells, white on dark ones (relative luminance, ITU-R BT.709).</summary>
    private static Color ReadableOn(Color background)
    {
        var luminance = 0.2126 * background.Red + 0.7152 * background.Green + 0.0722 * background.Blue;
        return luminance > 140 ? Colors.Black : Colors.White;
    }

    /// <summary>Font sizes (pixels) scaled to the cell size, so a 17x17 resnet34 matrix stays legible and a 5x5 one is not huge.</summary>
    private readonly record struct FontSizes(float Value, float Tick, float Axis, float Title)
    {
        public static FontSizes For(int rows, int cols, RenderOptions o)
        {
            // Roughly 200 px go to labels, title and colour bar; the rest is shared by the cells.
            var cell = Math.Min((o.Width - 220f) / cols, (o.Height - 160f) / rows);
            return new FontSizes(
                Value: Math.Clamp(cell * 0.3f, 7f, 18f),
                Tick: Math.Clamp(cell * 0.38f, 9f, 14f),
                Axis: Math.Clamp(Math.Min(o.Width, o.Height) / 45f, 11f, 18f),
                Title: Math.Clamp(Math.Min(o.Width, o.Height) / 35f, 15f, 24f));
        }
    }
}
