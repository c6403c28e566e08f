using Stitching.Domain.Architectures;
using Stitching.Domain.Stitches;
using Stitching.Engine.Models;
using Stitching.Engine.Native;
using Stitching.Engine.Stitches;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

public class ShapeCatalogTests
{
    public ShapeCatalogTests() => TorchRuntime.EnsureLoadable();

    public static IEnumerable<object[]> Architectures() =>
        ResNetSpec.SmallFamily().Append(ResNetSpec.ResNet34).Select(s => new object[] { s.Name });

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Core_layer_shapes_equal_the_real_modules_outputs(string arch)
    {
        var spec = ResNetSpec.Parse(arch);
        const int width = 4;
        using var model = ResNet.Create(spec, width, inChannels: 3, classes: 10, seed: 0);
        model.eval();
        using var _ = no_grad();
        using var x = randn(2, 3, 32, 32);
        var catalog = ArchitectureCatalog.Layers(spec, width);
        Assert.Equal(1 + spec.Blocks.Sum(), catalog.Count);
        foreach (var layer in catalog)
        {
            using var h = model.ForwardPrefix(x, layer.Index);
            Assert.Equal(new long[] { 2, layer.Channels, layer.Height, layer.Width }, h.shape);
        }
        using var logits = model.ForwardSuffix(model.ForwardPrefix(x, 0), 0);
        Assert.Equal(new long[] { 2, 10 }, logits.shape);
    }

    [Fact]
    public void Every_layer_pair_of_every_architecture_pair_gets_a_stitch_of_the_right_kind_and_output_shape()
    {
        const int width = 4;
        var archs = ResNetSpec.SmallFamily().Append(ResNetSpec.ResNet34).ToList();
        var outputShapes = new Dictionary<StitchShape, long[]>();
        var pairs = 0;
        foreach (var s in archs)
        foreach (var r in archs)
        foreach (var i in ArchitectureCatalog.Layers(s, width))
        foreach (var j in ArchitectureCatalog.Layers(r, width))
        {
            var shape = StitchShape.Between(i, j);
            var expectedKind = i.Height == j.Height ? StitchKind.Conv1x1 : i.Height > j.Height ? StitchKind.StridedConv : StitchKind.UpsampleConv1x1;
            Assert.Equal(expectedKind, shape.Kind);
            if (!outputShapes.TryGetValue(shape, out var output))
            {
                using var stitch = new Stitch(shape);
                using var _ = no_grad();
                using var x = randn(1, i.Channels, i.Height, i.Width);
                using var y = stitch.call(x);
                output = y.shape;
                outputShapes[shape] = output;
                Assert.Equal(shape.Parameters, stitch.parameters().Sum(p => p.numel()));
            }
            Assert.Equal(new long[] { 1, j.Channels, j.Height, j.Width }, output);
            pairs++;
        }
        Assert.Equal(17 * 17, archs.Count * archs.Count);
        Assert.True(pairs > 17 * 17 * 25, $"only {pairs} layer pairs were checked");
    }

    [Fact]
    public void Upsample_stitch_equals_nearest_upsampling_then_a_1x1_conv()
    {
        var shape = new StitchShape(StitchKind.UpsampleConv1x1, 4, 8, 5, 4, 16);
        using var stitch = Stitch.Create(shape, seed: 3);
        using var _ = no_grad();
        using var x = randn(2, 8, 4, 4);
        using var viaStitch = stitch.call(x);
        var w = stitch.parameters().First(p => p.dim() == 4);
        var b = stitch.parameters().First(p => p.dim() == 1);
        using var up = nn.functional.interpolate(x, scale_factor: [4, 4], mode: InterpolationMode.Nearest);
        using var reference = nn.functional.conv2d(up, w, b);
        Assert.True(allclose(viaStitch, reference, rtol: 1e-5, atol: 1e-5));
    }
}
