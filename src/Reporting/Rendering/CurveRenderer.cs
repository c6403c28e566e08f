using ScottPlot;
using Stitching.Domain.Results;

namespace Stitching.Reporting.Rendering;

/// <summary>
/// Stitches' held-out learning curves (<see cref="StitchResult.Curve"/>): one panel per variant, one line per stitch
/// (held-out accuracy against epoch), coloured by receiver layer, every panel on the same 0..1 accuracy axis so the
/// variants compare by height.
/// </summary>
public static class CurveRenderer
{
    public const int PanelWidth = 600;
    public const int PanelHeight = 450;

    /// <summary>The variants that have curves, in the order they first appear, with their stitches; empty when none has a curve.</summary>
    public static IReadOnlyList<(string Variant, IReadOnlyList<StitchResult> Stitches)> Groups(IReadOnlyList<StitchResult> rows) =>
        rows.Where(r => r.Curve is { Count: > 0 }).GroupBy(r => r.Variant)
            .Select(g => (g.Key, (IReadOnlyList<StitchResult>)g.ToList())).ToList();

    /// <summary>The figure of <paramref name="rows"/>' curves; rows without any curve are refused.</summary>
    public static Figure Figure(IReadOnlyList<StitchResult> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var groups = Groups(rows);
        if (groups.Count == 0) throw new ArgumentException("No stitch has a held-out curve to draw (nothing was held out).", nameof(rows));
        return new Figure(_ => Layout(groups));
    }

    public static byte[] RenderPng(IReadOnlyList<StitchResult> rows) => Figure(rows).ToPng();

    public static string RenderSvg(IReadOnlyList<StitchResult> rows) => Figure(rows).ToSvg();

    private static (Multiplot Plots, int Width, int Height) Layout(IReadOnlyList<(string Variant, IReadOnlyList<StitchResult> Stitches)> groups)
    {
        // One colour per receiver layer across all panels, so a layer reads the same in every variant.
        var layers = groups.SelectMany(g => g.Stitches).Select(r => r.ReceiverLayer).Distinct().ToList();
        var colourOf = layers.Select((l, i) => (l, i)).ToDictionary(x => x.l, x => x.i);
        var palette = new ScottPlot.Palettes.Category10();

        var multiplot = new Multiplot();
        for (var k = 0; k < groups.Count; k++)
        {
            var plot = Panel(groups[k].Variant, groups[k].Stitches, colourOf, palette);
            if (k == 0) multiplot.Reset(plot);
            else multiplot.AddPlot(plot);
        }
        multiplot.Layout = new ScottPlot.MultiplotLayouts.Columns();
        return (multiplot, PanelWidth * groups.Count, PanelHeight);
    }

    private static Plot Panel(string variant, IReadOnlyList<StitchResult> stitches, IReadOnlyDictionary<string, int> colourOf, IPalette palette)
    {
        var plot = new Plot();
        var labelled = new HashSet<string>();
        foreach (var r in stitches)
        {
            var curve = r.Curve!;
            var line = plot.Add.Scatter(curve.Select(p => p.Epoch).ToArray(), curve.Select(p => p.Accuracy).ToArray());
            line.Color = palette.GetColor(colourOf[r.ReceiverLayer]).WithAlpha(0.75);
            line.MarkerSize = 0;
            line.LineWidth = 1.5f;
            // One legend entry per receiver layer, not per stitch.
            if (labelled.Add(r.ReceiverLayer)) line.LegendText = $"receiver {r.ReceiverLayer}";
        }
        plot.Title($"{variant} ({stitches.Count} stitches)");
        plot.XLabel("epoch");
        plot.YLabel("held-out accuracy");
        plot.Axes.SetLimitsY(0, 1);
        plot.ShowLegend(Alignment.LowerRight);
        plot.Font.Set(MatrixRenderer.SansFont.Value);
        return plot;
    }
}
