using Stitching.Domain.Architectures;

namespace Stitching.Unit.Tests.Architectures;

public class ArchitectureCatalogTests
{
    [Fact]
    public void Resnet18_at_width_16_has_nine_layers_with_halving_sizes_and_doubling_channels()
    {
        var layers = ArchitectureCatalog.Layers(ResNetSpec.ResNet18, 16);

        Assert.Equal(["stem", "1.0", "1.1", "2.0", "2.1", "3.0", "3.1", "4.0", "4.1"], layers.Select(l => l.Name));
        Assert.Equal(
            [(16, 32, 32), (16, 32, 32), (16, 32, 32), (32, 16, 16), (32, 16, 16), (64, 8, 8), (64, 8, 8), (128, 4, 4), (128, 4, 4)],
            layers.Select(l => (l.Channels, l.Height, l.Width)));
        Assert.Equal(Enumerable.Range(0, 9), layers.Select(l => l.Index));
    }

    [Fact]
    public void Resnet34_has_seventeen_layers()
    {
        Assert.Equal(17, ArchitectureCatalog.Layers(ResNetSpec.ResNet34, 16).Count);
    }

    [Fact]
    public void Unknown_layer_name_lists_the_valid_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => ArchitectureCatalog.Layer(ResNetSpec.ResNet18, 16, "5.0"));

        Assert.Contains("stem, 1.0, 1.1", error.Message);
    }
}
