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
    // A diverging map's middle (no difference) is near white, so a light grey would read as "about 0": a darker one instead.
    private static readonly Color MissingDifferenceColor = Color.FromHex("#8C8C8C");

    // ScottPlot's own Fonts.Sans detection picks DejaVu Serif on bare Linux images; the paper's figures are sans.
    internal static readonly Lazy<string> SansFont = new(() =>
    {
        var installed = SkiaSharp.SKFontManager.Default.GetFontFamilies();
        return new[] { "DejaVu Sans", "Liberation Sans", "Arial", "Helvetica", "Segoe UI" }
            .FirstOrDefault(f => installed.Contains(f, StringComparer.OrdinalIgnoreCase)) ?? Fonts.Sans;
    });

    public static byte[] RenderPng(SimilarityMatrix matrix, RenderOptions? options = null)
    {
        options ??= RenderOptions.Default;
        var plot = CreatePlot(matrix, options, Limits([matrix], options), vector: false);
        return plot.GetImageBytes(options.Width, options.Height, ImageFormat.Png);
    }

    public static string RenderSvg(SimilarityMatrix matrix, RenderOptions? options = null)
    {
        options ??= RenderOptions.Default;
        var plot = CreatePlot(matrix, options, Limits([matrix], options), vector: true);
        return plot.GetSvgXml(options.Width, options.Height);
    }

    /// <summary>
    /// A matrix of differences (one sweep minus another, a variant minus its control) on the diverging scale every
    /// difference map shares, centred on 0, at the size of <paramref name="options"/> (default: the accuracies' size).
    /// </summary>
    public static byte[] RenderDifferencePng(SimilarityMatrix matrix, string colorBarLabel, RenderOptions? options = null) =>
        RenderPng(matrix, Differences(colorBarLabel, options));

    public static string RenderDifferenceSvg(SimilarityMatrix matrix, string colorBarLabel, RenderOptions? options = null) =>
        RenderSvg(matrix, Differences(colorBarLabel, options));

    private static RenderOptions Differences(string colorBarLabel, RenderOptions? size) =>
        RenderOptions.Differences(colorBarLabel) with { Width = (size ?? RenderOptions.Default).Width, Height = (size ?? RenderOptions.Default).Height };

    /// <summary>
    /// The colour limits of a figure whose panels are <paramref name="panels"/>, all drawn with <paramref name="options"/>:
    /// one scale for every panel, so equal colours mean equal values across the figure. Sequential: [Min, Max], a null bound
    /// taken from all panels' values. Diverging: [-L, L] centred on 0, L = <see cref="RenderOptions.Limit"/> or the largest
    /// |value| of all panels.
    /// </summary>
    public static (double Min, double Max) ColorLimits(IReadOnlyList<SimilarityMatrix> panels, RenderOptions options)
    {
        var range = Limits(panels, options);
        return (range.Min, range.Max);
    }

    /// <summary>1 to 6 matrices side by side on one colour scale (<see cref="ColorLimits"/>); the image is that many panels wide.</summary>
    public static Figure GridFigure(IReadOnlyList<SimilarityMatrix> matrices, RenderOptions? options = null)
    {
        IReadOnlyList<IReadOnlyList<Panel>> rows = [Row(matrices, options)];
        return new Figure(vector => Grid(rows, vector));
    }

    public static byte[] RenderGridPng(IReadOnlyList<SimilarityMatrix> matrices, RenderOptions? options = null) => GridFigure(matrices, options).ToPng();

    public static string RenderGridSvg(IReadOnlyList<SimilarityMatrix> matrices, RenderOptions? options = null) => GridFigure(matrices, options).ToSvg();

    /// <summary>
    /// Panels in rows of <paramref name="columns"/>, all on one colour scale: e.g. one panel per network pair of a variant,
    /// so a reader compares seeds by colour.
    /// </summary>
    public static Figure PanelsFigure(IReadOnlyList<SimilarityMatrix> matrices, int columns, RenderOptions? options = null)
    {
        var rows = Rows(matrices, columns, options);
        return new Figure(vector => Grid(rows, vector));
    }

    public static byte[] RenderPanelsPng(IReadOnlyList<SimilarityMatrix> matrices, int columns, RenderOptions? options = null) =>
        PanelsFigure(matrices, columns, options).ToPng();

    /// <summary>
    /// Two rows in one image, each on its own scale shared by its panels: e.g. the four raw matrices above (accuracy) and
    /// the control-subtracted ones (differences, diverging) below, so a reader sees what survives the controls beside what was measured.
    /// </summary>
    public static Figure TwoRowFigure(IReadOnlyList<SimilarityMatrix> top, RenderOptions topOptions,
        IReadOnlyList<SimilarityMatrix> bottom, RenderOptions bottomOptions)
    {
        IReadOnlyList<IReadOnlyList<Panel>> rows = [Row(top, topOptions), Row(bottom, bottomOptions)];
        return new Figure(vector => Grid(rows, vector));
    }

    public static byte[] RenderTwoRowGridPng(IReadOnlyList<SimilarityMatrix> top, RenderOptions topOptions,
        IReadOnlyList<SimilarityMatrix> bottom, RenderOptions bottomOptions) => TwoRowFigure(top, topOptions, bottom, bottomOptions).ToPng();

    /// <summary>
    /// Panels side by side, each on its own scale: for a figure of different metrics (an accuracy beside a distance), where
    /// one scale would compare unlike units.
    /// </summary>
    public static Figure MixedGridFigure(IReadOnlyList<(SimilarityMatrix Matrix, RenderOptions Options)> panels)
    {
        IReadOnlyList<IReadOnlyList<Panel>> rows = [MixedRow(panels)];
        return new Figure(vector => Grid(rows, vector));
    }

    private const int MaxPanelsPerRow = 6;

    /// <summary>One panel of a figure: the matrix, its options and the colour limits it shares with the rest of its row.</summary>
    private sealed record Panel(SimilarityMatrix Matrix, RenderOptions Options, ScottPlot.Range Limits);

    private static IReadOnlyList<Panel> Row(IReadOnlyList<SimilarityMatrix> matrices, RenderOptions? options)
    {
        ArgumentNullException.ThrowIfNull(matrices);
        if (matrices.Count is < 1 or > MaxPanelsPerRow)
            throw new ArgumentOutOfRangeException(nameof(matrices), matrices.Count, $"A row holds 1 to {MaxPanelsPerRow} matrices (the paper's figures have 4).");
        options ??= RenderOptions.Default;
        var limits = Limits(matrices, options);
        return matrices.Select(m => new Panel(m, options, limits)).ToList();
    }

    private static IReadOnlyList<IReadOnlyList<Panel>> Rows(IReadOnlyList<SimilarityMatrix> matrices, int columns, RenderOptions? options)
    {
        ArgumentNullException.ThrowIfNull(matrices);
        if (columns is < 1 or > MaxPanelsPerRow)
            throw new ArgumentOutOfRangeException(nameof(columns), columns, $"A row holds 1 to {MaxPanelsPerRow} panels.");
        if (matrices.Count == 0) throw new ArgumentException("A figure needs at least one matrix.", nameof(matrices));
        options ??= RenderOptions.Default;
        // One scale for the whole figure, not per row: every panel is the same quantity.
        var limits = Limits(matrices, options);
        return matrices.Chunk(columns).Select(row => (IReadOnlyList<Panel>)row.Select(m => new Panel(m, options, limits)).ToList()).ToList();
    }

    private static IReadOnlyList<Panel> MixedRow(IReadOnlyList<(SimilarityMatrix Matrix, RenderOptions Options)> panels)
    {
        ArgumentNullException.ThrowIfNull(panels);
        if (panels.Count is < 1 or > MaxPanelsPerRow)
            throw new ArgumentOutOfRangeException(nameof(panels), panels.Count, $"A row holds 1 to {MaxPanelsPerRow} matrices.");
        return panels.Select(p => new Panel(p.Matrix, p.Options, Limits([p.Matrix], p.Options))).ToList();
    }

    /// <summary>Rows of panels laid out on a grid as wide as the widest row (blank cells fill shorter rows); the figure's pixel size.</summary>
    private static (Multiplot Plots, int Width, int Height) Grid(IReadOnlyList<IReadOnlyList<Panel>> rows, bool vector)
    {
        var columns = rows.Max(r => r.Count);
        var multiplot = new Multiplot();
        var first = true;
        foreach (var row in rows)
            for (var k = 0; k < columns; k++)
            {
                var plot = k < row.Count ? CreatePlot(row[k].Matrix, row[k].Options, row[k].Limits, vector) : Blank();
                if (first) multiplot.Reset(plot);
                else multiplot.AddPlot(plot);
                first = false;
            }
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Grid(rows.Count, columns);
        var width = rows.Max(r => r.Max(p => p.Options.Width)) * columns;
        var height = rows.Sum(r => r.Max(p => p.Options.Height));
        return (multiplot, width, height);
    }

    private static Plot Blank()
    {
        var blank = new Plot();
        blank.Layout.Frameless();
        blank.HideGrid();
        return blank;
    }

    private static Plot CreatePlot(SimilarityMatrix m, RenderOptions o, ScottPlot.Range range, bool vector)
    {
        int rows = m.SenderLayers.Count, cols = m.ReceiverLayers.Count;
        if (rows == 0 || cols == 0) throw new ArgumentException($"Matrix '{m.Title}' has no layers to draw.", nameof(m));
        if (m.Values.Length != rows || m.Values.Any(r => r.Length != cols))
            throw new ArgumentException($"Matrix '{m.Title}' values are not {rows}x{cols} like its layer lists.", nameof(m));

        var intensities = new double[rows, cols];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < cols; j++)
                intensities[i, j] = m.Values[i][j] ?? double.NaN;

        var colormap = FindColormap(o.Colormap);
        var layout = FontSizes.For(rows, cols, o);

        var plot = new Plot();
        var heatmap = plot.Add.Heatmap(intensities);
        heatmap.Colormap = colormap;
        heatmap.ManualRange = range;
        heatmap.NaNCellColor = o.Diverging ? MissingDifferenceColor : MissingCellColor;
        // Cell (i, j) covers x in [j, j+1], y in [rows-i-1, rows-i]: ScottPlot puts array row 0 at the top.
        heatmap.Rectangle = new CoordinateRect(0, cols, 0, rows);
        // The bitmap strategy embeds a raster in SVG and PDF; rectangles keep them vector drawings.
        if (vector) heatmap.RenderStrategy = new Heatmap.RenderStrategies.Rectangles();

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

    private static ScottPlot.Range Limits(IReadOnlyList<SimilarityMatrix> panels, RenderOptions o)
    {
        var present = panels.SelectMany(m => m.Values).SelectMany(r => r).Where(v => v is { } x && !double.IsNaN(x)).Select(v => v!.Value).ToList();
        if (o.Diverging)
        {
            if (o.Limit is { } fixedLimit && !(fixedLimit > 0 && double.IsFinite(fixedLimit)))
                throw new ArgumentException($"A diverging scale's limit must be a positive finite number, not {fixedLimit}.", nameof(o));
            // Symmetric about 0 so white means no difference in every panel; an all-zero figure still needs a nonzero width.
            var limit = o.Limit ?? (present.Count > 0 ? present.Max(Math.Abs) : 0);
            if (limit <= 0) limit = 0.5;
            return new ScottPlot.Range(-limit, limit);
        }
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
