using Stitching.Domain.Architectures;

namespace Stitching.Unit.Tests.Architectures;

public class ResNetSpecTests
{
    [Theory]
    [InlineData("resnet(1,2,1,2)", new[] { 1, 2, 1, 2 }, "resnet(1,2,1,2)")]
    [InlineData("resnet18", new[] { 2, 2, 2, 2 }, "resnet18")]
    [InlineData("ResNet34", new[] { 3, 4, 6, 3 }, "resnet34")]
    [InlineData(" resnet( 2, 2, 2, 2 ) ", new[] { 2, 2, 2, 2 }, "resnet18")]
    public void Parse_accepts_named_and_explicit_forms(string text, int[] blocks, string name)
    {
        var spec = ResNetSpec.Parse(text);

        Assert.Equal(blocks, spec.Blocks);
        Assert.Equal(name, spec.Name);
    }

    [Theory]
    [InlineData("resnet(0,1,1,1)")]
    [InlineData("resnet(1,1,1)")]
    [InlineData("vgg")]
    public void Parse_rejects_invalid_forms_with_a_message_listing_valid_ones(string text)
    {
        var error = Assert.Throws<FormatException>(() => ResNetSpec.Parse(text));

        Assert.Contains(text, error.Message);
        Assert.Contains("resnet18", error.Message);
        Assert.Contains("resnet34", error.Message);
        Assert.Contains("resnet(b1,b2,b3,b4)", error.Message);
    }

    [Fact]
    public void Small_family_has_sixteen_distinct_specs_including_resnet18()
    {
        var family = ResNetSpec.SmallFamily().ToList();

        Assert.Equal(16, family.Count);
        Assert.Equal(16, family.Distinct().Count());
        Assert.Contains(ResNetSpec.ResNet18, family);
        Assert.All(family, s => Assert.All(s.Blocks, b => Assert.InRange(b, 1, 2)));
    }
}
