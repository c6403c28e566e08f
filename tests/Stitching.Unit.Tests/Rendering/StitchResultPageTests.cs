using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Rendering;

public sealed class StitchResultPageTests
{
    private static readonly SweepRecord Sweep = new("0123456789abcdef0123456789abcdef", "<img src=x onerror=alert(1)>", new SweepSpec(), DateTimeOffset.UnixEpoch, SweepState.Active, 1, 1);

    [Fact]
    public void The_cell_page_escapes_stored_strings_and_draws_the_curve_from_numbers_only()
    {
        var result = new StitchResult("trained->trained", "resnet18", "<script>x</script>", "resnet18", "2.0", "conv1x1", 10, 1, 100, 0.5, 1, 1,
            Hardware: "\"><svg onload=alert(1)>", Curve: [new CurvePoint(0, 2, 0.1), new CurvePoint(1, 1, 0.5)]);

        var row = new StoredResult("stitch-a", result, "<b>runner</b>");
        var html = StitchResultPage.Html(Sweep, row, [row]);

        Assert.DoesNotContain("<script>x", html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.DoesNotContain("<svg onload", html);
        Assert.DoesNotContain("<b>runner", html);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;", html);
        Assert.Contains("points=\"4,116 316,4\"", html); // accuracy rises from the bottom left to the top right
        Assert.Contains("not stored", html); // no checkpoint blob
    }

    [Fact]
    public void A_cell_of_several_seeds_names_their_mean_and_links_the_other_seeds_rows_relative_to_the_report()
    {
        var result = new StitchResult("trained->trained", "resnet18", "stem", "resnet18", "2.0", "conv1x1", 10, 1, 100, 0.5, 1, 1);
        var row = new StoredResult("stitch-a", result);

        var html = StitchResultPage.Html(Sweep, row, [row, new StoredResult("stitch-b", result with { StitchSeed = 1, Accuracy = 0.7 }),
            new StoredResult("stitch-c", result with { SenderSeed = 2, ReceiverSeed = 3, Accuracy = 0.6 })]);

        Assert.Contains("<base href=\"../report\">", html);
        Assert.Contains("mean of 3 rows (model-seed pairs x stitch seeds), 60.00 %", html);
        // Each row is named by all three seeds: with several model-seed pairs, stitch seed 0 alone names several rows.
        Assert.Contains("<b> sender 0, receiver 0, stitch 0;</b> <a data-cell href=\"results/stitch-b?format=html\"> sender 0, receiver 0, stitch 1;</a>", html);
        Assert.Contains("<a data-cell href=\"results/stitch-c?format=html\"> sender 2, receiver 3, stitch 0;</a>", html);
    }

    [Fact]
    public void The_report_links_a_trained_cell_to_its_row_and_leaves_an_untrained_one_plain()
    {
        var status = new SweepStatus(Sweep.Id, Sweep.Name, SweepState.Active, Sweep.CreatedAt, 2, 1, 0, 1, 0, 0, 0.5, false, []);
        var matrix = new SimilarityMatrix("m", "a", "b", ["stem"], ["1.0", "2.0"], [[0.75, null]]) { StitchIds = [["stitch-x", null]] };

        var live = SweepReportPage.Live(status, [matrix], [], pictures: false);

        Assert.Contains("<a data-cell href=\"results/stitch-x?format=html\">0.750</a>", live);
        Assert.Contains("<td>&middot;</td>", live);
        Assert.Contains("data-finished=\"false\"", live);
        Assert.Contains("1 of 2 matrix cells filled", live);
    }
}
