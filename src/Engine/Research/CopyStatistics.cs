using Stitching.Domain.Results;
using Stitching.Reporting.Tables;

namespace Stitching.Engine.Research;

/// <summary>Intervals and tests of the report's copying-task section (<see cref="ReportWriter"/>).</summary>
public static class CopyStatistics
{
    public sealed record Estimate(double Mean, double Low, double High);

    /// <summary>
    /// The mean of <paramref name="value"/> over cells with a 95% percentile interval from a two-level bootstrap: model-seed
    /// pairs resampled with replacement (the cells of one pair share its two networks), then cells within each drawn pair.
    /// With one pair the interval covers only the choice of cells, not other trained networks.
    /// </summary>
    public static Estimate PairBootstrap(IReadOnlyList<AnalysisResult> rows, Func<AnalysisResult, double> value, int draws = 4000, int seed = 1)
    {
        var pairs = rows.GroupBy(r => (r.SenderSeed, r.ReceiverSeed)).Select(g => g.Select(value).ToArray()).ToList();
        var mean = rows.Select(value).Average();
        var random = new Random(seed);
        var means = new double[draws];
        for (var d = 0; d < draws; d++)
        {
            double sum = 0;
            var count = 0;
            for (var k = 0; k < pairs.Count; k++)
            {
                var drawn = pairs[random.Next(pairs.Count)];
                for (var c = 0; c < drawn.Length; c++) sum += drawn[random.Next(drawn.Length)];
                count += drawn.Length;
            }
            means[d] = sum / count;
        }
        Array.Sort(means);
        return new Estimate(mean, means[(int)(0.025 * (draws - 1))], means[(int)Math.Ceiling(0.975 * (draws - 1))]);
    }

    /// <summary>Two-sided exact binomial sign test: the probability of a split at least as uneven as <paramref name="successes"/> of <paramref name="n"/> at p = 1/2.</summary>
    public static double SignTest(int successes, int n)
    {
        if (n == 0) return double.NaN;
        var k = Math.Min(successes, n - successes);
        double tail = 0;
        for (var i = 0; i <= k; i++) tail += Math.Exp(LogChoose(n, i) - n * Math.Log(2));
        return Math.Min(1, 2 * tail);
    }

    private static double LogChoose(int n, int k)
    {
        double sum = 0;
        for (var i = 1; i <= k; i++) sum += Math.Log(n - k + i) - Math.Log(i);
        return sum;
    }
}
