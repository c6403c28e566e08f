using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Unit.Tests.Sweeps;

public class VariantsTests
{
    [Fact]
    public void All_parses_to_the_four_variants()
    {
        Assert.Equal(
            [Variant.TrainedToTrained, Variant.RandomToTrained, Variant.TrainedToRandom, Variant.RandomToRandom],
            Variants.ParseList(" ALL "));
    }

    [Fact]
    public void List_keeps_order_accepts_names_slugs_and_enum_names_and_drops_duplicates()
    {
        var list = Variants.ParseList("random->random, trained-trained,RandomToTrained,random_random");

        Assert.Equal([Variant.RandomToRandom, Variant.TrainedToTrained, Variant.RandomToTrained], list);
    }

    [Theory]
    [InlineData("trained->bogus")]
    [InlineData("trained->trained,nope")]
    public void Bad_name_is_rejected_with_the_valid_names(string text)
    {
        var error = Assert.Throws<FormatException>(() => Variants.ParseList(text));

        Assert.Contains("trained->trained", error.Message);
        Assert.Contains("random->random", error.Message);
    }

    [Fact]
    public void Empty_list_is_rejected()
    {
        Assert.Throws<FormatException>(() => Variants.ParseList(" , "));
    }

    [Fact]
    public void Names_and_slugs_follow_the_paper()
    {
        Assert.Equal("random->trained", Variant.RandomToTrained.Name());
        Assert.Equal("random-trained", Variant.RandomToTrained.Slug());
        Assert.True(Variant.TrainedToRandom.SenderTrained());
        Assert.False(Variant.TrainedToRandom.ReceiverTrained());
    }
}
