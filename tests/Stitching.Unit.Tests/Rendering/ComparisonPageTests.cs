using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Rendering;

public class ComparisonPageTests
{
    private static SweepComparison Comparison()
    {
        SweepSpec Spec(string name, int seed) => new()
        {
            Name = name, Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], Variants = ["trained->trained"],
            SenderLayers = ["1.0"], ReceiverLayers = ["3.0"], StitchSeeds = [seed],
        };
        StitchResult Row(double accuracy) => new("trained->trained", "resnet(1,1,1,1)", "1.0", "resnet(1,1,1,1)", "3.0", "conv1x1", 1, 1, 1, accuracy, 1, 1,
            TestImages: 10000, AccuracyLow: accuracy - 0.01, AccuracyHigh: accuracy + 0.01);
        return SweepComparison.Compare(new SweepResults("<a>", Spec("a", 0), [Row(0.5)]), new SweepResults("b&c", Spec("b", 1), [Row(0.7)]), Variant.TrainedToTrained);
    }

    [Fact]
    public void Page_shows_the_rule_the_setting_that_differs_and_marks_the_cell_with_names_encoded()
    {
        var html = ComparisonPage.Html(Comparison(), picture: false);

        Assert.Contains("<code>&lt;a&gt;</code>", html);
        Assert.Contains("b&amp;c", html);
        Assert.DoesNotContain("<a>", html);
        Assert.Contains("outside A&#39;s spread", html);
        Assert.Contains("<td>sweep_stitch_seeds</td><td>0</td><td>1</td>", html);
        Assert.Contains("<tr class=\"out\">", html);
        Assert.Contains("0.2000", html);
    }

    [Fact]
    public void Difference_svg_marks_the_cell_outside_both_spreads()
    {
        var svg = MatrixRenderer.RenderDifferenceSvg(Comparison().Difference, ComparisonPage.ColorBarLabel);

        Assert.Contains("+0.20*", svg);
    }
}
