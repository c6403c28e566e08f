using Stitching.Domain.Results;

namespace Stitching.Unit.Tests.Results;

public class ModelCurvesTableTests
{
    [Fact]
    public void One_row_per_trained_model_and_epoch_matching_models_csv_heldout_curve()
    {
        var trained = new ModelResult("resnet(1,1,1,1)", 8, "synthetic", 3, true, 2, 200, 0.5, 1.2) { HeldOutCurve = [0.25, 0.5] };
        var random = new ModelResult("resnet(1,1,1,1)", 8, "synthetic", 3, false, 0, 200, 0.1, 2.3);
        var writer = new StringWriter();

        ModelCurvesTable.WriteCsv(writer, [trained, random]);

        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', ModelCurvesTable.Columns), lines[0]);
        // arch holds commas, so it is quoted; the random control trained no epochs and has no rows.
        Assert.Equal(["\"resnet(1,1,1,1)\",3,true,1,0.25", "\"resnet(1,1,1,1)\",3,true,2,0.5"], lines.Skip(1));
        var models = new StringWriter();
        ModelsCsv.Write(models, [trained]);
        Assert.Contains("0.25 0.5", models.ToString()); // the space-separated column stays for older readers
    }
}
