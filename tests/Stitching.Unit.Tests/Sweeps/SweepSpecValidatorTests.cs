using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Unit.Tests.Sweeps;

public class SweepSpecValidatorTests
{
    [Fact]
    public void Identity_init_is_accepted_only_between_layers_of_equal_shape()
    {
        var same = new SweepSpec { Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], SenderLayers = ["1.0"], ReceiverLayers = ["1.0", "stem"],
            Stitch = new StitchSettings { Init = StitchInit.Identity } };
        Assert.Empty(SweepSpecValidator.Validate(same));

        var different = same with { ReceiverLayers = ["1.0", "2.0"] };
        var error = Assert.Single(SweepSpecValidator.Validate(different));
        Assert.Equal("stitch.init", error.Field);
        Assert.Contains("1.0 -> resnet(1,1,1,1) 2.0", error.Message);
    }

    [Fact]
    public void Unknown_optimizer_and_init_are_named()
    {
        var spec = new SweepSpec { Stitch = new StitchSettings { Optimizer = (StitchOptimizer)99, Init = (StitchInit)99 } };
        var fields = SweepSpecValidator.Validate(spec).Select(e => e.Field).ToList();
        Assert.Equal(["stitch.optimizer", "stitch.init"], fields);
    }

    [Theory]
    [InlineData(new[] { 0, 2, 4 }, new[] { 1, 3, 5 }, null)]
    [InlineData(new[] { 0, 2 }, new[] { 1 }, "receiverSeeds")]          // one receiver seed per sender seed
    [InlineData(new[] { 0, 0 }, new[] { 1, 3 }, "senderSeeds")]         // a sender in two pairs: the pairs are not independent
    [InlineData(new[] { 0, 2 }, new[] { 1, 1 }, "receiverSeeds")]
    [InlineData(new int[0], new int[0], "senderSeeds")]
    public void Model_seed_pairs_are_paired_by_position_and_independent(int[] senders, int[] receivers, string? field)
    {
        var errors = SweepSpecValidator.Validate(new SweepSpec { SenderSeeds = senders, ReceiverSeeds = receivers });
        if (field is null) Assert.Empty(errors);
        else Assert.Contains(errors, e => e.Field == field);
    }

    [Fact]
    public void Least_squares_cannot_start_a_stitch_with_batch_norm_and_the_error_says_what_to_use()
    {
        var error = Assert.Single(SweepSpecValidator.Validate(new SweepSpec { Stitch = new StitchSettings { BatchNorm = true } }));
        Assert.Equal("stitch.init", error.Field);
        Assert.Contains("choose init default", error.Message);
        Assert.Empty(SweepSpecValidator.Validate(new SweepSpec { Stitch = new StitchSettings { BatchNorm = true, Init = StitchInit.Default } }));
    }

    [Fact]
    public void Tags_are_short_plain_distinct_tokens_and_each_bad_one_is_named()
    {
        Assert.Empty(SweepSpecValidator.Validate(new SweepSpec { Tags = ["baseline", "fig-3.b", "run_2", new string('x', 64)] }));

        var spec = new SweepSpec { Tags = ["ok", "has space", "", new string('x', 65), "Ok", null!, "é"] };
        var errors = SweepSpecValidator.Validate(spec);

        Assert.Equal(["tags[1]", "tags[2]", "tags[3]", "tags[4]", "tags[5]", "tags[6]"], errors.Select(e => e.Field));
        Assert.Contains("letters, digits", errors[0].Message);
        Assert.Contains("given twice", errors[3].Message);
    }

    [Fact]
    public void More_than_sixteen_tags_or_a_null_list_are_refused_as_tags()
    {
        var many = new SweepSpec { Tags = Enumerable.Range(0, 17).Select(i => $"t{i}").ToList() };
        Assert.Equal("tags", Assert.Single(SweepSpecValidator.Validate(many)).Field);
        Assert.Equal("tags", Assert.Single(SweepSpecValidator.Validate(new SweepSpec { Tags = null! })).Field);
    }

    [Fact]
    public void A_description_may_have_line_breaks_but_is_bounded_and_free_of_other_control_characters()
    {
        Assert.Empty(SweepSpecValidator.Validate(new SweepSpec { Description = "Self-stitch.\r\n\tSeeds 0 and 1." }));
        Assert.Empty(SweepSpecValidator.Validate(new SweepSpec { Description = new string('d', SweepSpecValidator.MaxDescriptionLength) }));
        foreach (var bad in new[] { new string('d', SweepSpecValidator.MaxDescriptionLength + 1), "bell\u0007" })
            Assert.Equal("description", Assert.Single(SweepSpecValidator.Validate(new SweepSpec { Description = bad })).Field);
    }
}
