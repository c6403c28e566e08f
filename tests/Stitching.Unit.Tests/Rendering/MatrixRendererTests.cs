using System.Buffers.Binary;
using System.Xml.Linq;
using Stitching.Domain.Architectures;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Rendering;

public class MatrixRendererTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static SimilarityMatrix Matrix(ResNetSpec spec, string title = "trained->trained")
    {
        var layers = ArchitectureCatalog.Layers(spec, 16).Select(l => l.Name).ToList();
        var values = layers.Select((_, i) => layers.Select((_, j) => (i + j) % 4 == 3 ? (double?)null : 1 - Math.Abs(i - j) / 20.0).ToArray()).ToArray();
        return new SimilarityMatrix(title, spec.Name, spec.Name, layers, layers, values);
    }

    /// <summary>Width and height from the IHDR chunk, which always follows the 8-byte signature.</summary>
    private static (int Width, int Height) PngSize(byte[] png) =>
        (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));

    [Fact]
    public void Heatmap_png_has_png_signature_and_requested_size()
    {
        var png = MatrixRenderer.RenderPng(Matrix(ResNetSpec.ResNet18), new RenderOptions { Width = 640, Height = 480 });

        Assert.Equal(PngSignature, png.Take(8));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal((640, 480), PngSize(png));
        Png.AssertDrawn(png, 640, 480);
    }

    [Fact]
    public void Resnet34_matrix_renders_at_default_size()
    {
        var png = MatrixRenderer.RenderPng(Matrix(ResNetSpec.ResNet34));

        Assert.Equal((RenderOptions.Default.Width, RenderOptions.Default.Height), PngSize(png));
    }

    [Fact]
    public void Auto_range_renders_negative_values()
    {
        var m = Matrix(ResNetSpec.ResNet18);
        var diff = m with { Values = m.Values.Select(r => r.Select(v => v - 0.5).ToArray()).ToArray() };

        var png = MatrixRenderer.RenderPng(diff, RenderOptions.AutoRange with { Width = 400, Height = 300 });

        Assert.Equal((400, 300), PngSize(png));
    }

    [Fact]
    public void Heatmap_svg_is_well_formed_xml_with_layer_names_and_axis_labels()
    {
        var svg = MatrixRenderer.RenderSvg(Matrix(ResNetSpec.Parse("resnet(1,2,1,2)")));

        var doc = XDocument.Parse(svg);
        var text = string.Join(" ", doc.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()));
        foreach (var layer in new[] { "stem", "1.0", "2.0", "2.1", "3.0", "4.0", "4.1" }) Assert.Contains(layer, text);
        Assert.Contains(MatrixRenderer.SenderAxisLabel, text);
        Assert.Contains(MatrixRenderer.ReceiverAxisLabel, text);
    }

    [Fact]
    public void Grid_png_is_as_wide_as_its_panels()
    {
        var options = new RenderOptions { Width = 400, Height = 360 };
        var matrices = new[] { "trained->trained", "random->trained", "trained->random", "random->random" }
            .Select(t => Matrix(ResNetSpec.ResNet18, t)).ToList();

        var single = PngSize(MatrixRenderer.RenderPng(matrices[0], options));
        var grid = PngSize(MatrixRenderer.RenderGridPng(matrices, options));

        Assert.True(grid.Width > single.Width);
        Assert.Equal((4 * 400, 360), grid);
    }

    [Fact]
    public void Unknown_colormap_is_rejected_with_the_known_names()
    {
        var error = Assert.Throws<ArgumentException>(() => MatrixRenderer.RenderPng(Matrix(ResNetSpec.ResNet18), new RenderOptions { Colormap = "rainbowish" }));

        Assert.Contains("viridis", error.Message);
    }

    [Fact]
    public void Values_that_do_not_match_the_layer_lists_are_rejected()
    {
        var m = Matrix(ResNetSpec.ResNet18) with { SenderLayers = ["stem"] };

        Assert.Throws<ArgumentException>(() => MatrixRenderer.RenderPng(m));
    }

    private static SimilarityMatrix Constant(string title, params double?[][] values) =>
        new(title, "resnet(1,1,1,1)", "resnet(1,1,1,1)", values.Select((_, i) => $"s{i}").ToList(), values[0].Select((_, j) => $"r{j}").ToList(), values);

    [Fact]
    public void Difference_panels_share_one_scale_symmetric_about_zero_from_the_largest_magnitude_of_any_panel()
    {
        var small = Constant("small", [0.1, -0.05], [0.3, null]);
        var large = Constant("large", [-0.7, 0.2], [0.0, double.NaN]);

        var (min, max) = MatrixRenderer.ColorLimits([small, large], RenderOptions.Differences("difference"));

        Assert.Equal((-0.7, 0.7), (min, max)); // |-0.7| of the second panel sets both; missing and NaN cells are skipped
        Assert.Equal((-0.3, 0.3), MatrixRenderer.ColorLimits([small], RenderOptions.Differences("difference")));
    }

    [Fact]
    public void A_fixed_diverging_limit_overrides_the_data_and_a_non_positive_one_is_rejected()
    {
        var m = Constant("m", [0.1, -0.9]);

        Assert.Equal((-0.25, 0.25), MatrixRenderer.ColorLimits([m], RenderOptions.Differences("d", limit: 0.25)));
        var error = Assert.Throws<ArgumentException>(() => MatrixRenderer.ColorLimits([m], RenderOptions.Differences("d", limit: 0)));
        Assert.Contains("positive", error.Message);
        // An all-zero difference still gets a scale of nonzero width, centred on 0.
        Assert.Equal((-0.5, 0.5), MatrixRenderer.ColorLimits([Constant("zero", [0.0, 0.0])], RenderOptions.Differences("d")));
    }

    [Fact]
    public void Accuracy_panels_share_the_fixed_0_to_1_scale_and_auto_range_panels_share_their_joint_range()
    {
        var low = Constant("low", [0.2, 0.3]);
        var high = Constant("high", [0.6, 0.9]);

        Assert.Equal((0.0, 1.0), MatrixRenderer.ColorLimits([low, high], RenderOptions.Default));
        Assert.Equal((0.2, 0.9), MatrixRenderer.ColorLimits([low, high], RenderOptions.AutoRange));
    }

    [Fact]
    public void Grid_svg_is_one_well_formed_document_with_every_panel_and_one_scale_on_every_colour_bar()
    {
        var small = Constant("small panel", [0.01, -0.02], [0.03, 0.0]);
        var large = Constant("large panel", [-0.6, 0.2], [0.4, 0.1]);

        var svg = MatrixRenderer.RenderGridSvg([small, large], RenderOptions.Differences("difference") with { Width = 400, Height = 360 });

        var doc = XDocument.Parse(svg);
        Assert.Equal("svg", doc.Root!.Name.LocalName);
        var texts = doc.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
        Assert.Contains("small panel", texts);
        Assert.Contains("large panel", texts);
        // Both colour bars run over the shared [-0.6, 0.6]: the small panel's bar carries the large panel's ticks, not its own
        // +-0.02 ones. (ScottPlot may draw a plot twice while settling its layout, so counts are per drawn title.)
        var titlesDrawn = texts.Count(t => t is "small panel" or "large panel");
        Assert.Equal(titlesDrawn, texts.Count(t => t is "0.5"));
        Assert.Equal(titlesDrawn, texts.Count(t => t is "-0.5"));
        Assert.DoesNotContain("0.02", texts);
    }

    [Fact]
    public void A_combined_figure_is_also_a_one_page_pdf()
    {
        var figure = MatrixRenderer.GridFigure([Constant("a", [0.2, 0.4]), Constant("b", [0.6, 0.8])], new RenderOptions { Width = 300, Height = 280 });

        var pdf = figure.ToPdf();

        var text = System.Text.Encoding.Latin1.GetString(pdf);
        Assert.StartsWith("%PDF-", text);
        Assert.Contains("%%EOF", text[^64..]);
        Assert.Contains("/MediaBox [0 0 600 280]", text); // two 300-pt panels side by side
    }

    [Fact]
    public void Two_row_and_per_seed_figures_render_as_svg_and_png_of_the_expected_size()
    {
        var options = new RenderOptions { Width = 300, Height = 280 };
        var panels = Enumerable.Range(0, 5).Select(k => Constant($"seed {k}", [0.1 * k, 0.5])).ToList();

        var perSeed = MatrixRenderer.RenderPanelsPng(panels, columns: 3, options);
        var twoRows = MatrixRenderer.TwoRowFigure(panels.Take(2).ToList(), options, panels.Take(3).ToList(), RenderOptions.Differences("d") with { Width = 300, Height = 280 }).ToSvg();

        Assert.Equal((3 * 300, 2 * 280), PngSize(perSeed)); // 5 panels in rows of 3
        Assert.Equal("svg", XDocument.Parse(twoRows).Root!.Name.LocalName);
        Assert.Throws<ArgumentOutOfRangeException>(() => MatrixRenderer.RenderPanelsPng(panels, columns: 0, options));
    }
}
