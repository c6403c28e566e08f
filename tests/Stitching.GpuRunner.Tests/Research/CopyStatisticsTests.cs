using Stitching.Domain.Results;
using Stitching.Engine.Research;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.GpuRunner.Tests.Research;

public sealed class CopyStatisticsTests
{
    private static AnalysisResult Row(int pair, double value) =>
        new("trained->trained", "a", 2 * pair, "stem", "b", 2 * pair + 1, "stem", 0) { TaskAccuracy = value };

    [Theory]
    [InlineData(5, 5, 2.0 / 32)]       // all five the same way: 2 * (1/2)^5
    [InlineData(0, 10, 2.0 / 1024)]
    [InlineData(5, 10, 1.0)]
    [InlineData(8, 10, 2 * 56.0 / 1024)] // P(X <= 2) = (1 + 10 + 45) / 1024, doubled
    public void Sign_test_is_the_exact_two_sided_binomial(int successes, int n, double expected) =>
        Assert.Equal(expected, CopyStatistics.SignTest(successes, n), 12);

    [Fact]
    public void Bootstrap_interval_holds_the_mean_and_excludes_zero_only_when_every_pair_agrees()
    {
        var positive = Enumerable.Range(0, 3).SelectMany(p => Enumerable.Range(0, 8).Select(c => Row(p, 0.05 + 0.01 * ((c + p) % 3)))).ToList();
        var estimate = CopyStatistics.PairBootstrap(positive, r => r.TaskAccuracy);
        Assert.InRange(estimate.Mean, estimate.Low, estimate.High);
        Assert.True(estimate.Low > 0, $"{estimate}");

        // One pair far the other way: the pairs disagree, so the interval over pairs must reach below zero.
        var mixed = positive.Where(r => r.SenderSeed != 4).Concat(Enumerable.Range(0, 8).Select(c => Row(2, -0.3))).ToList();
        var wide = CopyStatistics.PairBootstrap(mixed, r => r.TaskAccuracy);
        Assert.True(wide.Low < 0 && wide.High > 0, $"{wide}");
    }
}
