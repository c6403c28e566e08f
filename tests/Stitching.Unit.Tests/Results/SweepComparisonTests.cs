using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public class SweepComparisonTests
{
    private const string Arch = "resnet(1,1,1,1)";

    private static SweepSpec Spec(int[] seeds, string[]? senderLayers = null) => new()
    {
        Senders = [Arch], Receivers = [Arch], Variants = ["trained->trained"], StitchSeeds = seeds,
        SenderLayers = senderLayers ?? ["1.0", "2.0"], ReceiverLayers = ["3.0", "4.0"],
    };

    private static StitchResult Row(string sender, string receiver, int seed, double accuracy, int testImages = 10000)
    {
        var (low, high) = WilsonInterval.Of(accuracy, testImages);
        return new StitchResult("trained->trained", Arch, sender, Arch, receiver, "conv1x1", 100, 5, 3000, accuracy, 0.5, 1, StitchSeed: seed,
            TestImages: testImages, AccuracyLow: low, AccuracyHigh: high);
    }

    [Fact]
    public void Spread_over_two_or_more_seeds_is_their_min_to_max()
    {
        var spread = SweepComparison.Spread([Row("1.0", "3.0", 0, 0.80), Row("1.0", "3.0", 1, 0.84), Row("1.0", "3.0", 2, 0.82)]);

        Assert.Equal(0.82, spread.Mean, 12);
        Assert.Equal((0.80, 0.84), (spread.Low, spread.High));
        Assert.Equal(CellSpread.SeedRange, spread.Kind);
        Assert.Equal(3, spread.Replicates);
    }

    [Fact]
    public void Spread_of_one_seed_is_the_Wilson_interval_recomputed_when_the_row_lacks_it()
    {
        var old = Row("1.0", "3.0", 0, 0.9, testImages: 1000) with { AccuracyLow = double.NaN, AccuracyHigh = double.NaN };

        var spread = SweepComparison.Spread([old]);

        Assert.Equal(CellSpread.Wilson, spread.Kind);
        Assert.Equal(WilsonInterval.Of(0.9, 1000), (spread.Low, spread.High));
        Assert.True(spread.Low < 0.9 && spread.High > 0.9);
    }

    [Fact]
    public void Difference_is_b_minus_a_and_marked_only_where_each_mean_is_outside_the_others_spread()
    {
        // Given A with seeds 0 and 1, B with seeds 2 and 3
        var a = new SweepResults("a", Spec([0, 1]),
        [
            Row("1.0", "3.0", 0, 0.80), Row("1.0", "3.0", 1, 0.82), // far apart from B: marked
            Row("1.0", "4.0", 0, 0.50), Row("1.0", "4.0", 1, 0.60), // B's mean inside A's wide spread: not marked
            Row("2.0", "3.0", 0, 0.70), Row("2.0", "3.0", 1, 0.71),
        ]);
        var b = new SweepResults("b", Spec([2, 3]) with { Tags = ["relabelled"] }, // labels are not settings: not listed
        [
            Row("1.0", "3.0", 2, 0.90), Row("1.0", "3.0", 3, 0.92),
            Row("1.0", "4.0", 2, 0.56), Row("1.0", "4.0", 3, 0.62),
            Row("2.0", "3.0", 2, 0.69), Row("2.0", "3.0", 3, 0.72), // B's mean inside A's spread
        ]);

        // When B is compared with A
        var c = SweepComparison.Compare(a, b, Variant.TrainedToTrained);

        // Then
        var cell = c.Cells.Single(x => (x.SenderLayer, x.ReceiverLayer) == ("1.0", "3.0"));
        Assert.Equal(0.10, cell.Difference!.Value, 12);
        Assert.True(cell.Outside);
        Assert.False(c.Cells.Single(x => (x.SenderLayer, x.ReceiverLayer) == ("1.0", "4.0")).Outside);
        Assert.False(c.Cells.Single(x => (x.SenderLayer, x.ReceiverLayer) == ("2.0", "3.0")).Outside);
        var missing = c.Cells.Single(x => (x.SenderLayer, x.ReceiverLayer) == ("2.0", "4.0"));
        Assert.Null(missing.Difference); // neither sweep trained it: never marked
        Assert.False(missing.Outside);
        Assert.Equal(0.10, c.Difference.Values[0][0]!.Value, 12);
        Assert.True(c.Difference.Marks![0][0]);
        Assert.Equal([new SettingDifference("sweep_stitch_seeds", "0,1", "2,3")], c.SettingDifferences);
        Assert.Empty(c.Dropped);
    }

    [Fact]
    public void One_seed_each_uses_the_Wilson_intervals_of_the_test_images()
    {
        var a = new SweepResults("a", Spec([0]), [Row("1.0", "3.0", 0, 0.80), Row("1.0", "4.0", 0, 0.80)]);
        var b = new SweepResults("b", Spec([1]), [Row("1.0", "3.0", 1, 0.83), Row("1.0", "4.0", 1, 0.805)]);

        var c = SweepComparison.Compare(a, b, Variant.TrainedToTrained);

        // 10,000 test images: the interval is about ±0.8 points, so 3 points is outside, half a point is not
        Assert.True(c.Cells.Single(x => x.ReceiverLayer == "3.0" && x.SenderLayer == "1.0").Outside);
        Assert.False(c.Cells.Single(x => x.ReceiverLayer == "4.0" && x.SenderLayer == "1.0").Outside);
        Assert.All(c.Cells.Where(x => x.A is not null), x => Assert.Equal(CellSpread.Wilson, x.A!.Kind));
    }

    [Fact]
    public void Model_seed_pairs_are_replicates_of_a_cell_like_stitch_seeds()
    {
        var spec = Spec([0]) with { SenderSeeds = [0, 2], ReceiverSeeds = [1, 3] };
        var a = new SweepResults("a", spec, [Row("1.0", "3.0", 0, 0.60) with { SenderSeed = 0, ReceiverSeed = 1 }, Row("1.0", "3.0", 0, 0.70) with { SenderSeed = 2, ReceiverSeed = 3 }]);
        var b = new SweepResults("b", Spec([0]), [Row("1.0", "3.0", 0, 0.66)]);

        var cell = SweepComparison.Compare(a, b, Variant.TrainedToTrained).Cells.Single(c => (c.SenderLayer, c.ReceiverLayer) == ("1.0", "3.0"));

        Assert.Equal((0.60, 0.70, 2, CellSpread.SeedRange), (cell.A!.Low, cell.A.High, cell.A.Replicates, cell.A.Kind));
        Assert.False(cell.Outside); // B's 0.66 lies within A's spread across its two base-model pairs
    }

    [Fact]
    public void Layers_only_one_sweep_ran_are_dropped_and_named()
    {
        var a = new SweepResults("a", Spec([0], ["1.0", "2.0"]), [Row("1.0", "3.0", 0, 0.8)]);
        var b = new SweepResults("b", Spec([0], ["stem", "1.0"]), [Row("1.0", "3.0", 0, 0.8)]);

        var c = SweepComparison.Compare(a, b, Variant.TrainedToTrained);

        Assert.Equal(["1.0"], c.Difference.SenderLayers);
        Assert.Equal([new ComparisonLayer("sender", "2.0", "a"), new ComparisonLayer("sender", "stem", "b")], c.Dropped);
    }

    [Fact]
    public void Sweeps_on_different_datasets_or_architectures_are_incomparable()
    {
        var a = new SweepResults("a", Spec([0]), []);
        var cifar = new SweepResults("b", Spec([0]) with { Dataset = "cifar10" }, []);
        var other = new SweepResults("c", Spec([0]) with { Senders = ["resnet18"], SenderLayers = null }, []);

        Assert.Contains("cifar10", Assert.Throws<IncomparableSweepsException>(() => SweepComparison.Compare(a, cifar, Variant.TrainedToTrained)).Message);
        Assert.Contains("resnet18", Assert.Throws<IncomparableSweepsException>(() => SweepComparison.Compare(a, other, Variant.TrainedToTrained)).Message);
        Assert.Throws<IncomparableSweepsException>(() => SweepComparison.Compare(a, a, Variant.RandomToRandom));
        Assert.Throws<ArgumentException>(() => SweepComparison.Compare(a, a, Variant.TrainedToTrained, senderArch: "resnet34"));
    }
}
