using Stitching.Core.Results;

namespace Stitching.Core.Tests.Results;

public class SimilarityMatrixTests
{
    private static StitchResult Row(string sender, string receiver, double accuracy) =>
        new("trained->trained", "resnet18", sender, "resnet18", receiver, "conv1x1", 0, 1, 1000, accuracy, 0, 0);

    [Fact]
    public void From_places_each_row_by_its_layer_names_and_leaves_missing_cells_null()
    {
        string[] layers = ["stem", "1.0", "1.1"];
        StitchResult[] rows = [Row("stem", "1.1", 0.2), Row("1.1", "stem", 0.7), Row("1.0", "1.0", 0.9), Row("9.9", "stem", 0.5)];

        var m = SimilarityMatrix.From("t", "resnet18", "resnet18", layers, layers, rows);

        Assert.Equal([null, null, 0.2], m.Values[0]);
        Assert.Equal([null, 0.9, null], m.Values[1]);
        Assert.Equal([0.7, null, null], m.Values[2]);
    }

    [Fact]
    public void From_uses_the_given_value_selector()
    {
        string[] layers = ["stem"];

        var m = SimilarityMatrix.From("loss", "a", "b", layers, layers, [Row("stem", "stem", 0.9) with { Loss = 1.5 }], r => r.Loss);

        Assert.Equal(1.5, m.Values[0][0]);
    }

    [Fact]
    public void Minus_subtracts_the_control_cell_by_cell_keeps_missing_cells_null_and_the_head_only_columns()
    {
        string[] layers = ["stem", "4.0"];
        var trained = SimilarityMatrix.From("t", "a", "a", layers, layers, [Row("stem", "stem", 0.9), Row("stem", "4.0", 0.8), Row("4.0", "4.0", 0.85)])
            with { HeadOnlyColumns = ["4.0"] };
        var control = SimilarityMatrix.From("c", "a", "a", layers, layers, [Row("stem", "stem", 0.1), Row("stem", "4.0", 0.7), Row("4.0", "stem", 0.3)]);

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
        var a = SimilarityMatrix.From("a", "x", "x", ["stem"], ["stem"], []);
        var b = SimilarityMatrix.From("b", "x", "x", ["stem"], ["1.0"], []);

        var error = Assert.Throws<ArgumentException>(() => a.Minus(b, "a - b"));

        Assert.Contains("different layers", error.Message);
    }

    [Fact]
    public void Head_only_columns_round_trip_through_json_and_old_files_read_as_unknown()
    {
        var m = SimilarityMatrix.From("t", "a", "a", ["stem"], ["stem", "4.0"], [Row("stem", "4.0", 0.5)]) with { HeadOnlyColumns = ["4.0"] };

        var read = MatrixJson.Deserialize(MatrixJson.Serialize(m));
        var old = MatrixJson.Deserialize("""{"title":"t","senderArch":"a","receiverArch":"a","senderLayers":["stem"],"receiverLayers":["stem"],"values":[[0.5]]}""");

        Assert.Equal(["4.0"], read.HeadOnlyColumns);
        Assert.Null(old.HeadOnlyColumns);
    }
}
