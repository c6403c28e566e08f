using Stitching.Core.Results;

namespace Stitching.Core.Tests.Results;

public class ModelsCsvTests
{
    [Fact]
    public void Models_round_trip_with_the_specified_header()
    {
        ModelResult[] rows =
        [
            new("resnet(1,2,1,2)", 16, "cifar10", 0, true, 30, 50000, 0.9312, 0.25, "AMD EPYC 7763 64-Core Processor (avx2)", "nchw"),
            new("resnet18", 64, "cifar10", 1, false, 0, 0, 0.1, 2.302585),
        ];
        var writer = new StringWriter();

        ModelsCsv.Write(writer, rows);
        var read = ModelsCsv.Read(new StringReader(writer.ToString()));

        Assert.StartsWith("arch,width,dataset,seed,trained,epochs,train_images,accuracy,loss,hardware,layout\n", writer.ToString());
        Assert.Equal(rows, read);
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
