using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public class MatrixJsonTests
{
    private static readonly SimilarityMatrix Matrix = new(
        "trained->trained", "resnet(1,2,1,2)", "resnet18", ["stem", "1.0"], ["stem", "1.0", "1.1"],
        [[0.91, null, 0.5], [double.NaN, 1.0, 0.0]]);

    private static void AssertSame(SimilarityMatrix expected, SimilarityMatrix actual)
    {
        Assert.Equal(expected.Title, actual.Title);
        Assert.Equal(expected.SenderArch, actual.SenderArch);
        Assert.Equal(expected.ReceiverArch, actual.ReceiverArch);
        Assert.Equal(expected.SenderLayers, actual.SenderLayers);
        Assert.Equal(expected.ReceiverLayers, actual.ReceiverLayers);
        Assert.Equal(expected.Values.Length, actual.Values.Length);
        for (var i = 0; i < expected.Values.Length; i++) Assert.Equal(expected.Values[i], actual.Values[i]);
    }

    [Fact]
    public void Matrix_round_trips_with_nulls_and_nan()
    {
        var json = MatrixJson.Serialize(Matrix);

        AssertSame(Matrix, MatrixJson.Deserialize(json));
    }

    [Fact]
    public void Json_is_camel_case_and_keeps_null_cells()
    {
        using var doc = JsonDocument.Parse(MatrixJson.Serialize(Matrix));

        Assert.Equal("resnet(1,2,1,2)", doc.RootElement.GetProperty("senderArch").GetString());
        Assert.Equal(3, doc.RootElement.GetProperty("receiverLayers").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("values")[0][1].ValueKind);
    }

    [Fact]
    public void WriteFile_then_ReadFile_round_trips()
    {
        var dir = Directory.CreateTempSubdirectory("stitching-json-");
        try
        {
            var path = Path.Combine(dir.FullName, "sub", "matrix.json");

            MatrixJson.WriteFile(path, Matrix);

            AssertSame(Matrix, MatrixJson.ReadFile(path));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Result_lists_round_trip_through_the_shared_context()
    {
        List<StitchResult> rows = [new("trained->trained", "resnet18", "stem", "resnet18", "1.0", "conv1x1", 272, 1, 1000, 0.5, 1.2, 3, 4, 5, 6, "cuda")];
        List<ModelResult> models = [new("resnet18", 16, "cifar10", 0, true, 30, 50000, 0.93, 0.25)];

        var rowsBack = JsonSerializer.Deserialize(JsonSerializer.Serialize(rows, PlatformJsonContext.Default.ListStitchResult), PlatformJsonContext.Default.ListStitchResult);
        var modelsBack = JsonSerializer.Deserialize(JsonSerializer.Serialize(models, PlatformJsonContext.Default.ListModelResult), PlatformJsonContext.Default.ListModelResult);

        Assert.Equal(rows, rowsBack);
        Assert.Equal(models, modelsBack);
    }
}
