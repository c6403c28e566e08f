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

    [Theory]
    [InlineData("fashion-mnist", true)]
    [InlineData("cifar10", true)]
    [InlineData("cifar100", true)]
    [InlineData("images-flowers", true)]
    [InlineData("images-road-signs-2", true)]
    [InlineData("cifar-10", false)]        // a typo of a built-in name is refused, not looked for on a runner
    [InlineData("images-", false)]
    [InlineData("images-Flowers", false)]  // names become model keys, blob names and folders: lowercase only
    [InlineData("images-a/b", false)]
    public void A_dataset_is_a_built_in_name_or_a_prepared_image_folder(string dataset, bool valid)
    {
        var errors = SweepSpecValidator.Validate(new SweepSpec { Dataset = dataset });

        if (valid) Assert.Empty(errors);
        else Assert.Contains(errors, e => e.Field == "dataset" && e.Message.Contains("images-<name>", StringComparison.Ordinal));
    }

    [Fact]
    public void An_estimate_counts_the_stem_and_head_of_the_datasets_own_channels_and_classes()
    {
        var spec = new SweepSpec { Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], Width = 8, TrainLimit = 10_000, TestLimit = 200 };
        var plan = SweepPlan.Create(spec);
        Stitching.Domain.Datasets.DatasetInfo Shape(int classes, int channels) => new(spec.Dataset, classes, channels, 60_000, 10_000);

        var gray10 = SweepEstimate.Create(plan, Shape(10, 1));
        var colour10 = SweepEstimate.Create(plan, Shape(10, 3));
        var gray100 = SweepEstimate.Create(plan, Shape(100, 1));

        // A three-channel stem and a hundred-way head cost more than Fashion-MNIST's one channel and ten classes.
        Assert.True(colour10.BaseModelTflop > gray10.BaseModelTflop);
        Assert.True(gray100.StitchTflop > gray10.StitchTflop);
        Assert.Equal(Stitching.Domain.Datasets.DatasetInfo.BuiltIn("fashion-mnist"), Shape(10, 1) with { Name = "fashion-mnist" });
        Assert.Throws<ArgumentException>(() => SweepEstimate.Create(plan, Shape(10, 1) with { Name = "cifar10" }));
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

    [Theory]
    [InlineData(0, true)]
    [InlineData(2, true)]
    [InlineData(0.5, true)]
    [InlineData(-1, false)]
    [InlineData(double.NaN, false)]
    [InlineData(double.PositiveInfinity, false)]
    public void The_decay_after_the_stopping_rule_is_a_finite_number_of_epochs_at_least_zero(double anneal, bool valid)
    {
        var errors = SweepSpecValidator.Validate(new SweepSpec { Stitch = new StitchSettings { AnnealEpochs = anneal } });
        if (valid) Assert.Empty(errors);
        else Assert.Equal("stitch.annealEpochs", Assert.Single(errors).Field);
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
