using Stitching.Domain.Analysis;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;

namespace Stitching.Unit.Tests.Analysis;

public sealed class PairContrastMatrixTests
{
    private static readonly PairPlan Pair = PairPlan.Create(
        new SweepSpec { Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], SenderLayers = ["stem", "4.0"], ReceiverLayers = ["stem", "4.0"] },
        ResNetSpec.Parse("resnet(1,1,1,1)"), ResNetSpec.Parse("resnet(1,1,1,1)"), Variants.All);

    private static StitchResult Row(Variant v, string sender, string receiver, double accuracy, int pair, int stitchSeed = 0) =>
        new(v.Name(), Pair.SenderArch.Name, sender, Pair.ReceiverArch.Name, receiver, "conv1x1", 0, 1, 1000, accuracy, 0, 0,
            SenderSeed: 2 * pair, ReceiverSeed: 2 * pair + 1, StitchSeed: stitchSeed, TestImages: 1000);

    [Fact]
    public void The_interaction_is_computed_per_network_pair_and_summarized_with_a_t_interval()
    {
        // Per pair: tt = 0.8 + 0.01 p, rt = 0.5, tr = 0.4, rr = 0.2 in every cell -> interaction 0.1 + 0.01 p.
        var rows = new List<StitchResult>();
        for (var p = 0; p < 3; p++)
        foreach (var (s, r) in new[] { ("stem", "stem"), ("stem", "4.0"), ("4.0", "stem"), ("4.0", "4.0") })
        {
            rows.Add(Row(Variant.TrainedToTrained, s, r, 0.8 + 0.01 * p, p));
            // Two stitch seeds average to 0.5: stitch seeds are subsamples within the pair, not extra pairs.
            rows.Add(Row(Variant.RandomToTrained, s, r, 0.45, p));
            rows.Add(Row(Variant.RandomToTrained, s, r, 0.55, p, stitchSeed: 1));
            rows.Add(Row(Variant.TrainedToRandom, s, r, 0.4, p));
            rows.Add(Row(Variant.RandomToRandom, s, r, 0.2, p));
        }

        var m = PairContrastMatrix.Create(PairContrastMatrix.InteractionTitle, Pair, rows, PairContrastMatrix.Interaction)!;

        Assert.Equal(0.11, m.Values[0][0]!.Value, 12);
        Assert.Equal(3, m.Replicates![1][1]);
        Assert.Equal(0.01, m.Spread![0][1]!.Value, 12);
        // Mean 0.11, sd 0.01 over 3 pairs: 0.11 -+ 4.302653 x 0.01 / sqrt(3).
        Assert.Equal(0.11 - 4.302653 * 0.01 / Math.Sqrt(3), m.Low![1][0]!.Value, 6);
        Assert.Equal(0.11 + 4.302653 * 0.01 / Math.Sqrt(3), m.High![1][0]!.Value, 6);
        Assert.Equal(["4.0"], m.HeadOnlyColumns);

        // One network pair: a value but no interval; a missing variant: no matrix.
        var one = PairContrastMatrix.Create("one", Pair, rows.Where(r => r.SenderSeed == 0).ToList(), PairContrastMatrix.Interaction)!;
        Assert.Equal(0.1, one.Values[0][0]!.Value, 12);
        Assert.Null(one.Low![0][0]);
        Assert.Null(PairContrastMatrix.Create("none", Pair, rows.Where(r => r.Variant != "random->random").ToList(), PairContrastMatrix.Interaction));
    }
}
