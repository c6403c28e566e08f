using Stitching.Domain.Architectures;
using Stitching.Domain.Stitches;

namespace Stitching.Unit.Tests.Stitches;

public class StitchShapeTests
{
    private const int Width = 16;

    private static IEnumerable<ResNetSpec> AllArchitectures() => ResNetSpec.SmallFamily().Append(ResNetSpec.ResNet34);

    /// <summary>Expected shape from the layer's stage alone: stem and stage 1 keep 32x32 at width channels, each later stage halves and doubles.</summary>
    private static (int Channels, int Size) Expected(LayerInfo l) => l.Stage <= 1 ? (Width, 32) : (Width << (l.Stage - 1), 32 >> (l.Stage - 1));

    [Fact]
    public void Between_picks_the_stitch_kind_factor_channels_and_parameters_for_every_layer_pair()
    {
        var pairs = 0;
        foreach (var senderSpec in AllArchitectures())
        foreach (var receiverSpec in AllArchitectures())
        foreach (var sender in ArchitectureCatalog.Layers(senderSpec, Width))
        foreach (var receiver in ArchitectureCatalog.Layers(receiverSpec, Width))
        {
            var (cin, s) = Expected(sender);
            var (cout, r) = Expected(receiver);

            var shape = StitchShape.Between(sender, receiver);

            var (kind, factor) = s == r ? (StitchKind.Conv1x1, 1) : s > r ? (StitchKind.StridedConv, s / r) : (StitchKind.UpsampleConv1x1, r / s);
            var kernel = kind == StitchKind.StridedConv ? factor : 1;
            Assert.Equal(kind, shape.Kind);
            Assert.Equal(factor, shape.Factor);
            Assert.Contains(factor, new[] { 1, 2, 4, 8 });
            Assert.Equal((cin, cout, s, r), (shape.InChannels, shape.OutChannels, shape.InSize, shape.OutSize));
            Assert.Equal((long)cin * cout * kernel * kernel + cout, shape.Parameters);
            pairs++;
        }
        Assert.True(pairs > 10_000);
    }

    [Fact]
    public void Stem_into_last_layer_of_resnet18_is_an_8x8_stride_8_convolution()
    {
        var layers = ArchitectureCatalog.Layers(ResNetSpec.ResNet18, Width);

        var shape = StitchShape.Between(layers[0], layers[^1]);

        Assert.Equal("conv8x8s8", shape.KindName);
        Assert.Equal(16L * 128 * 64 + 128, shape.Parameters);
    }

    [Fact]
    public void Last_layer_into_stem_upsamples_by_8()
    {
        var layers = ArchitectureCatalog.Layers(ResNetSpec.ResNet18, Width);

        var shape = StitchShape.Between(layers[^1], layers[0], batchNorm: true);

        Assert.Equal("upsample8+conv1x1", shape.KindName);
        Assert.Equal(128L * 16 + 16 + 2 * (128 + 16), shape.Parameters);
    }

    [Fact]
    public void Sizes_without_an_integer_ratio_are_incompatible()
    {
        var sender = new LayerInfo(0, "a", 1, 0, 16, 12, 12);
        var receiver = new LayerInfo(0, "b", 2, 0, 32, 8, 8);

        var error = Assert.Throws<IncompatibleShapesException>(() => StitchShape.Between(sender, receiver));

        Assert.Contains("integer factor", error.Message);
    }
}
