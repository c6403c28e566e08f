using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public class CellMatrixTests
{
    private static readonly PairPlan Pair = PairPlan.Create(
        new SweepSpec { Senders = ["resnet18"], Receivers = ["resnet18"], SenderLayers = ["stem", "1.0", "1.1"], ReceiverLayers = ["stem", "1.0", "1.1"] },
        ResNetSpec.Parse("resnet18"), ResNetSpec.Parse("resnet18"), [Variant.TrainedToTrained]);

    private static (string? Id, StitchResult Row) Row(string sender, string receiver, double accuracy, string? id = null, int stitchSeed = 0) =>
        (id, new StitchResult("trained->trained", "resnet18", sender, "resnet18", receiver, "conv1x1", 0, 1, 1000, accuracy, 0, 0,
            StitchSeed: stitchSeed, TestImages: 1000));

    [Fact]
    public void Places_each_row_by_its_layer_names_and_leaves_missing_cells_and_unknown_layers_out()
    {
        var m = CellMatrix.Create("t", Pair, [Row("stem", "1.1", 0.2), Row("1.1", "stem", 0.7), Row("1.0", "1.0", 0.9), Row("9.9", "stem", 0.5)]);

        Assert.Equal([null, null, 0.2], m.Values[0]);
        Assert.Equal([null, 0.9, null], m.Values[1]);
        Assert.Equal([0.7, null, null], m.Values[2]);
        Assert.Null(m.Spread); // one row per cell: no spread anywhere
        Assert.Null(m.StitchIds);
    }

    [Fact]
    public void A_cell_of_several_rows_has_their_mean_its_interval_on_one_test_set_their_spread_and_its_first_row()
    {
        var m = CellMatrix.Create("t", Pair, [Row("stem", "stem", 0.6, "stitch-b", 1), Row("stem", "stem", 0.8, "stitch-a", 0), Row("1.0", "1.0", 0.5, "stitch-c")]);

        Assert.Equal(0.7, m.Values[0][0]!.Value, 12);
        Assert.Equal(WilsonInterval.Of(0.7, 1000), (m.Low![0][0]!.Value, m.High![0][0]!.Value));
        Assert.Equal(Math.Sqrt(0.02), m.Spread![0][0]!.Value, 12); // sample standard deviation of 0.6 and 0.8
        Assert.Null(m.Spread[1][1]);
        Assert.Equal(2, m.Replicates![0][0]);
        Assert.Equal("stitch-a", m.StitchIds![0][0]);
    }
}
