using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public class SimilarityMatrixTests
{
    private static SimilarityMatrix Matrix(string title, string[] senders, string[] receivers, params double?[][] values) =>
        new(title, "a", "a", senders, receivers, values);

    [Fact]
    public void Minus_subtracts_the_control_cell_by_cell_keeps_missing_cells_null_and_the_head_only_columns()
    {
        string[] layers = ["stem", "4.0"];
        var trained = Matrix("t", layers, layers, [0.9, 0.8], [null, 0.85]) with { HeadOnlyColumns = ["4.0"] };
        var control = Matrix("c", layers, layers, [0.1, 0.7], [0.3, null]);

        var difference = trained.Minus(control, "t minus c");

        Assert.Equal(0.8, difference.Values[0][0]!.Value, 12);
        Assert.Equal(0.1, difference.Values[0][1]!.Value, 12);
        Assert.Null(difference.Values[1][0]); // only the control has it
        Assert.Null(difference.Values[1][1]); // only the trained matrix has it
        Assert.Equal(["4.0"], difference.HeadOnlyColumns);
        Assert.Equal("t minus c", difference.Title);
    }

    [Fact]
    public void Minus_refuses_matrices_of_different_layers()
    {
        var a = Matrix("a", ["stem"], ["stem"], [[null]]);
        var b = Matrix("b", ["stem"], ["1.0"], [[null]]);

        var error = Assert.Throws<ArgumentException>(() => a.Minus(b, "a - b"));

        Assert.Contains("different layers", error.Message);
    }

    [Fact]
    public void Head_only_columns_round_trip_through_json_and_old_files_read_as_unknown()
    {
        var m = Matrix("t", ["stem"], ["stem", "4.0"], [null, 0.5]) with { HeadOnlyColumns = ["4.0"] };

        var read = MatrixJson.Deserialize(MatrixJson.Serialize(m));
        var old = MatrixJson.Deserialize("""{"title":"t","senderArch":"a","receiverArch":"a","senderLayers":["stem"],"receiverLayers":["stem"],"values":[[0.5]]}""");

        Assert.Equal(["4.0"], read.HeadOnlyColumns);
        Assert.Null(old.HeadOnlyColumns);
    }
}
