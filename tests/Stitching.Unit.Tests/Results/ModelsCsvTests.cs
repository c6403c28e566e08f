using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public class ModelsCsvTests
{
    [Fact]
    public void Models_round_trip_with_the_specified_header()
    {
        ModelResult[] rows =
        [
            new("resnet(1,2,1,2)", 16, "cifar10", 0, true, 30, 50000, 0.9312, 0.25, "AMD EPYC 7763 64-Core Processor (avx2)", "nchw", 3.3, 10, "kaiming")
            {
                HeldOutCurve = [0.5, 0.81, 0.9275],
            },
            new("resnet18", 16, "fashion-mnist", 0, false, 0, 3000, 0.1, 2.31, "cpu", "nchw", 0, 1, "pytorch"),
            new("resnet18", 64, "cifar10", 1, false, 0, 0, 0.1, 2.302585),
        ];
        var writer = new StringWriter();

        ModelsCsv.Write(writer, rows);
        var read = ModelsCsv.Read(new StringReader(writer.ToString()));

        Assert.StartsWith("arch,width,dataset,seed,trained,epochs,train_images,accuracy,loss,hardware,layout,prediction_entropy_bits,predicted_classes,random_init,heldout_curve,provenance_id\n", writer.ToString());
        Assert.Equal(rows, read);
    }

    [Fact]
    public void A_file_from_before_the_prediction_spread_columns_reads_with_unknown_spread()
    {
        var text = "arch,width,dataset,seed,trained,epochs,train_images,accuracy,loss,hardware,layout\nresnet18,16,cifar10,0,false,0,0,0.1,2.3,cpu,nchw\n";

        var row = Assert.Single(ModelsCsv.Read(new StringReader(text)));

        Assert.True(double.IsNaN(row.PredictionEntropyBits));
        Assert.Equal(0, row.PredictedClasses);
        Assert.Equal("", row.RandomInit);
    }

    [Fact]
    public void Bad_boolean_error_names_the_line()
    {
        var text = "arch,width,dataset,seed,trained,epochs,train_images,accuracy,loss\nresnet18,16,cifar10,0,maybe,1,1,0.5,1\n";

        var error = Assert.Throws<InvalidDataException>(() => ModelsCsv.Read(new StringReader(text)));

        Assert.Contains("models.csv line 2", error.Message);
        Assert.Contains("trained", error.Message);
    }
}
