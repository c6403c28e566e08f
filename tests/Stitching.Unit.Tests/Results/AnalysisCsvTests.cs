using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public class AnalysisCsvTests
{
    [Fact]
    public void Rows_round_trip_with_missing_metrics_left_empty()
    {
        var row = new AnalysisResult("trained->trained", "resnet(1,2,1,2)", 0, "1.0", "resnet18", 1, "2.1", 3)
        {
            TaskAccuracy = 0.8, CopyNormalizedMse = 0.25, CopyEpochs = 3.25, CopyConverged = true, Cka = 0.5, ReceiverAccuracy = 0.9,
        };
        var writer = new StringWriter();

        AnalysisCsv.Write(writer, [row]);
        var back = AnalysisCsv.Read(new StringReader(writer.ToString()));

        Assert.Equal(row, back.Single());
        Assert.Equal(0.1, back[0].Penalty, 12);
        Assert.True(double.IsNaN(back[0].LeastSquaresAccuracy));
        Assert.Null(AnalysisCsv.Read(new StringReader(writer.ToString().Replace(",3.25,1,", ",,,"))).Single().CopyConverged);
        Assert.Contains(",,", writer.ToString());
    }

    [Fact]
    public void A_file_without_newer_metric_columns_still_reads()
    {
        const string csv = "variant,sender_arch,sender_seed,sender_layer,receiver_arch,receiver_seed,receiver_layer,stitch_seed,task_accuracy\n" +
                           "trained->trained,resnet18,0,stem,resnet18,0,stem,0,0.5\n";

        var row = AnalysisCsv.Read(new StringReader(csv)).Single();

        Assert.Equal(0.5, row.TaskAccuracy);
        Assert.True(double.IsNaN(row.Cka));
    }

    [Theory]
    [InlineData("all", 6)]
    [InlineData("copy, cka,copy", 2)]
    [InlineData("", 0)]
    [InlineData("LS,pixels", 2)]
    [InlineData("probe,pixel-baseline,linear-probe", 2)]
    public void Analyses_parse_from_a_comma_list(string text, int count) => Assert.Equal(count, Analyses.ParseList(text).Count);

    [Fact]
    public void The_dropped_floor_and_ceiling_are_unknown_analyses_and_their_old_columns_are_ignored()
    {
        Assert.Throws<FormatException>(() => Analyses.ParseList("floor"));
        Assert.Throws<FormatException>(() => Analyses.ParseList("ceiling"));
        const string csv = "variant,sender_arch,sender_seed,sender_layer,receiver_arch,receiver_seed,receiver_layer,stitch_seed,task_accuracy,floor_accuracy,ceiling_accuracy\n" +
                           "trained->trained,resnet18,0,stem,resnet18,0,stem,0,0.5,0.1,0.1\n";

        var row = AnalysisCsv.Read(new StringReader(csv)).Single();

        Assert.Equal(0.5, row.TaskAccuracy);
        Assert.True(double.IsNaN(row.PixelBaselineAccuracy) && double.IsNaN(row.ProbeAccuracy));
    }

    [Fact]
    public void Above_probe_and_above_pixels_are_the_task_accuracy_minus_each_baseline()
    {
        var row = new AnalysisResult("trained->trained", "a", 0, "stem", "a", 0, "4.0", 0) { TaskAccuracy = 0.8, ProbeAccuracy = 0.75, PixelBaselineAccuracy = 0.6 };

        Assert.Equal(0.05, AnalysisCsv.Metric(row, "above_probe"), 12);
        Assert.Equal(0.2, AnalysisCsv.Metric(row, "above_pixels"), 12);
    }

    [Fact]
    public void Unknown_analysis_is_a_format_error_naming_the_allowed_ones()
    {
        var e = Assert.Throws<FormatException>(() => Analyses.ParseList("copy,bogus"));
        Assert.Contains("least-squares", e.Message);
    }
}
