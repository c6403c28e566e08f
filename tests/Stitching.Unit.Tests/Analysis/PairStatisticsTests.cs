using Stitching.Domain.Analysis;

namespace Stitching.Unit.Tests.Analysis;

/// <summary>The building blocks of the pattern design against published tables and hand computations.</summary>
public sealed class PairStatisticsTests
{
    [Theory]
    [InlineData(0.975, 2, 4.302653)]
    [InlineData(0.95, 2, 2.919986)]
    [InlineData(0.975, 4, 2.776445)]
    [InlineData(0.95, 4, 2.131847)]
    [InlineData(0.975, 30, 2.042272)]
    [InlineData(0.995, 1, 63.65674)]
    public void Student_t_quantiles_match_the_published_table(double p, int df, double expected)
    {
        // The table gives 7 significant digits.
        Assert.Equal(expected, StudentT.Quantile(p, df), 2e-6 * expected);
        Assert.Equal(-expected, StudentT.Quantile(1 - p, df), 2e-6 * expected);
        Assert.Equal(p, StudentT.Cdf(expected, df), 6);
    }

    [Fact]
    public void Student_t_distribution_is_symmetric_and_approaches_the_normal()
    {
        Assert.Equal(0.9490303, StudentT.Cdf(2.0, 5), 6); // R: pt(2, 5)
        Assert.Equal(1 - StudentT.Cdf(1.3, 3), StudentT.Cdf(-1.3, 3), 12);
        Assert.Equal(0.9750021, StudentT.Cdf(1.959964, 1e7), 5); // the normal's 97.5% point
    }

    [Fact]
    public void Holm_matches_a_hand_computation_and_leaves_tests_that_did_not_run_out_of_the_family()
    {
        // Sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> running maximum 0.06.
        var adjusted = Holm.Adjust([0.01, 0.04, 0.03, 0.005]);
        Assert.Equal([0.03, 0.06, 0.06, 0.02], adjusted.Select(p => Math.Round(p, 12)));

        // m = 2, not 3: 0.02 x 2 = 0.04, 0.04 x 1 -> 0.04.
        var withRefusal = Holm.Adjust([0.02, double.NaN, 0.04]);
        Assert.Equal(0.04, withRefusal[0], 12);
        Assert.True(double.IsNaN(withRefusal[1]));
        Assert.Equal(0.04, withRefusal[2], 12);

        Assert.Equal([1.0, 1.0], Holm.Adjust([0.6, 0.7]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Holm.Adjust([0.5, 1.5]));
    }

    [Fact]
    public void Pair_level_t_interval_and_p_values_match_a_hand_computation()
    {
        var test = PairLevelTest.Of([1.0, 2.0, 3.0], "three pairs");
        // Mean 2, sd 1, se 1/sqrt(3), t(0.975, 2) = 4.302653.
        var (low, high) = test.Interval(0.95);
        Assert.Equal(2 - 4.302653 / Math.Sqrt(3), low, 5);
        Assert.Equal(2 + 4.302653 / Math.Sqrt(3), high, 5);
        // t = (2 - 0) / (1/sqrt 3) = 3.4641 on 2 df: one-sided p = 0.03709 (R: pt(3.4641, 2, lower = FALSE)).
        Assert.Equal(0.03709, test.PAbove(0), 4);
        Assert.Equal(1 - test.PAbove(0), test.PBelow(0), 12);
        Assert.Equal(2, test.DegreesOfFreedom);
    }

    [Fact]
    public void Exact_sign_flips_reach_one_over_two_to_the_n_at_best_and_count_every_pattern()
    {
        var allPositive = PairLevelTest.Of([0.1, 0.2, 0.05, 0.3, 0.15], "five pairs");
        Assert.Equal(1 / 32.0, allPositive.MinimumSignFlipP);
        Assert.Equal(1 / 32.0, allPositive.SignFlipPAbove(0), 12);
        Assert.Equal(1.0, allPositive.SignFlipPBelow(0), 12);

        // Observed sum 2.5; of the 8 sign patterns only +++ (2.5) and ++- (3.5) reach it.
        Assert.Equal(0.25, PairLevelTest.Of([1.0, 2.0, -0.5], "three pairs").SignFlipPAbove(0), 12);
    }

    [Fact]
    public void A_pair_level_test_refuses_one_pair_and_non_finite_values_and_says_where()
    {
        var one = Assert.Throws<ArgumentException>(() => PairLevelTest.Of([0.3], "resnet18 -> resnet18, trained->trained"));
        Assert.Contains("resnet18 -> resnet18", one.Message);
        Assert.Contains("at least 2", one.Message);
        var nan = Assert.Throws<ArgumentException>(() => PairLevelTest.Of([0.3, double.NaN], "somewhere"));
        Assert.Contains("NaN", nan.Message);
    }
}
