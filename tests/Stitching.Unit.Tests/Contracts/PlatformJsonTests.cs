using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Contracts;

public sealed class PlatformJsonTests
{
    private static readonly StitchResult Diverged = new("trained->trained", "resnet18", "stem", "resnet18", "1.0", "conv1x1", 272, 1, 1000, 0.1, double.NaN, 3,
        AccuracyLow: double.NegativeInfinity, AccuracyHigh: double.PositiveInfinity, ProvenanceId: "0123456789ab");

    [Fact]
    public void A_diverged_stitchs_NaN_loss_round_trips_through_messages_files_and_results_csv()
    {
        // When a row with a NaN loss and infinite bounds is written through the context (compact and indented) and results.csv
        var compact = JsonSerializer.Serialize(Diverged, PlatformJsonContext.Default.StitchResult);
        var indented = JsonSerializer.Serialize(Diverged, PlatformJsonContext.Indented.StitchResult);
        using var csv = new StringWriter();
        ResultsCsv.Write(csv, [Diverged]);

        // Then each reads back equal, NaN included
        Assert.Contains("\"loss\":\"NaN\"", compact);
        Assert.Equal(Diverged, JsonSerializer.Deserialize(compact, PlatformJsonContext.Default.StitchResult));
        Assert.Equal(Diverged, JsonSerializer.Deserialize(indented, PlatformJsonContext.Default.StitchResult));
        Assert.Equal(Diverged, Assert.Single(ResultsCsv.Read(new StringReader(csv.ToString()))));
    }

    [Fact]
    public void Options_configured_from_the_context_write_like_it_and_leave_nulls_out()
    {
        // Given options such as ASP.NET Core's HTTP JSON options, configured from the context
        var web = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        PlatformJsonContext.Configure(web);

        // When a result with a NaN loss and no curve is written with them
        var json = JsonSerializer.Serialize(new StoredResult("s", Diverged), web);

        // Then it is the context's JSON: camelCase, NaN named, null properties left out
        Assert.Equal(JsonSerializer.Serialize(new StoredResult("s", Diverged), PlatformJsonContext.Default.StoredResult), json);
        Assert.DoesNotContain("null", json);
    }

    [Fact]
    public void A_PascalCase_file_from_before_the_shared_context_still_reads()
    {
        var old = """{ "Arch": "resnet18", "Width": 16, "Dataset": "cifar10", "Seed": 0, "Trained": true, "Epochs": 30, "TrainImages": 50000, "Accuracy": 0.93, "Loss": 0.25 }""";
        Assert.Equal(new ModelResult("resnet18", 16, "cifar10", 0, true, 30, 50000, 0.93, 0.25), JsonSerializer.Deserialize(old, PlatformJsonContext.Default.ModelResult));
    }
}
