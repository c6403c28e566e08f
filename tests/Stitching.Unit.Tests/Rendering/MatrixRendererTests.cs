using System.Buffers.Binary;
using System.Xml.Linq;
using Stitching.Domain.Architectures;
using Stitching.Reporting.Rendering;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
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
}
