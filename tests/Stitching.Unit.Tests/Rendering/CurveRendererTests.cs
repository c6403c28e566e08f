using System.Xml.Linq;
using Stitching.Domain.Results;
using Stitching.Reporting.Rendering;

namespace Stitching.Unit.Tests.Rendering;

public class CurveRendererTests
{
    private static StitchResult Stitch(string variant, string receiverLayer, double final) =>
        new(variant, "resnet(1,1,1,1)", "stem", "resnet(1,1,1,1)", receiverLayer, "conv1x1", 80, 2, 200, final, 1, 1,
            Curve: [new(0, 2.3, 0.1), new(0.5, 1.6, (0.1 + final) / 2), new(2, 1.2, final)]);

    private static readonly IReadOnlyList<StitchResult> Rows =
    [
        Stitch("trained->trained", "1.0", 0.8), Stitch("trained->trained", "3.0", 0.6), Stitch("trained->trained", "1.0", 0.75),
        Stitch("random->random", "1.0", 0.3),
        Stitch("random->random", "3.0", 0.2) with { Curve = null }, // nothing held out: no line
    ];

    [Fact]
    public void One_panel_per_variant_with_its_stitch_count_and_one_legend_entry_per_receiver_layer()
    {
        var svg = CurveRenderer.RenderSvg(Rows);

        var texts = XDocument.Parse(svg).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("trained->trained (3 stitches)", texts);
        Assert.Contains("random->random (1 stitches)", texts);
        Assert.Contains("receiver 3.0", texts);
        Assert.Contains("held-out accuracy", texts);
        var drawnPanels = texts.Count(t => t.StartsWith("trained->trained (", StringComparison.Ordinal));
        // Two layers in the trained panel's legend, one in the random panel's: an entry per layer, not per stitch.
        Assert.Equal(drawnPanels * 2, texts.Count(t => t is "receiver 1.0"));
    }

    [Fact]
    public void Png_is_a_panel_wide_per_variant()
    {
        Png.AssertDrawn(CurveRenderer.RenderPng(Rows), 2 * CurveRenderer.PanelWidth, CurveRenderer.PanelHeight, minDrawnFraction: 0.02);
    }

    [Fact]
    public void Rows_without_any_curve_are_refused_with_the_reason()
    {
        var error = Assert.Throws<ArgumentException>(() => CurveRenderer.RenderPng([Rows[4]]));

        Assert.Contains("held-out curve", error.Message);
    }
}
