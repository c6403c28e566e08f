using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

public class WilsonIntervalTests
{
    [Fact]
    public void The_interval_matches_the_closed_form_and_contains_the_accuracy()
    {
        // 80 of 100: center (0.8 + 1.96^2/200) / (1 + 1.96^2/100), the textbook [0.7112, 0.8666].
        var (low, high) = WilsonInterval.Of(0.8, 100);

        Assert.Equal(0.7112, low, 4);
        Assert.Equal(0.8666, high, 4);
    }

    [Fact]
    public void At_zero_and_one_the_interval_stays_in_the_unit_range_and_has_width()
    {
        var (low0, high0) = WilsonInterval.Of(0, 1000);
        var (low1, high1) = WilsonInterval.Of(1, 1000);

        Assert.Equal(0, low0, 12);
        Assert.InRange(high0, 0.003, 0.005); // 1.96^2 / (1000 + 1.96^2) = 0.0038
        Assert.Equal(1, high1, 12);
        Assert.InRange(low1, 0.995, 0.997);
    }

    [Fact]
    public void More_test_images_give_a_narrower_interval_about_one_over_root_n()
    {
        var (l1, h1) = WilsonInterval.Of(0.5, 1000);
        var (l2, h2) = WilsonInterval.Of(0.5, 4000);

        Assert.Equal(2, (h1 - l1) / (h2 - l2), 1);
        Assert.Equal(2 * 1.96 * Math.Sqrt(0.25 / 1000), h1 - l1, 3);
    }

    [Fact]
    public void No_images_or_an_accuracy_outside_the_unit_range_gives_no_interval()
    {
        Assert.True(double.IsNaN(WilsonInterval.Of(0.5, 0).Low));
        Assert.True(double.IsNaN(WilsonInterval.Of(1.5, 100).High));
        Assert.True(double.IsNaN(WilsonInterval.Of(double.NaN, 100).Low));
    }
}
