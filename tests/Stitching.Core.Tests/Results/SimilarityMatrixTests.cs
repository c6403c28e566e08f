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
}
