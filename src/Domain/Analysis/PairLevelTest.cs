namespace Stitching.Domain.Analysis;

/// <summary>
/// Inference with the network pair as the unit: one statistic per independently trained (sender, receiver) pair, a
/// one-sample t test and interval over those values (df = pairs - 1), and the exact sign-flip test over the pairs
/// (every one of the 2^n sign patterns; the smallest p it can give is 1 / 2^n, reported as <see cref="MinimumSignFlipP"/>).
/// Cells, layers and test images are not units: they are measured within each pair, so their noise is inside each pair's
/// statistic and reaches the test only through the spread between pairs.
/// </summary>
public sealed record PairLevelTest(IReadOnlyList<double> Values)
{
    /// <summary>Above this many pairs the sign flips are sampled (2^16 draws, fixed seed) instead of enumerated.</summary>
    public const int ExactSignFlipLimit = 20;

    public int Pairs => Values.Count;
    public double Mean => Values.Average();
    /// <summary>Sample standard deviation over pairs (n - 1 denominator).</summary>
    public double StandardDeviation => Math.Sqrt(Values.Sum(v => (v - Mean) * (v - Mean)) / (Pairs - 1));
    public double StandardError => StandardDeviation / Math.Sqrt(Pairs);
    public int DegreesOfFreedom => Pairs - 1;

    /// <summary>The smallest one-sided p the exact sign-flip test can reach with these pairs: 1 / 2^n.</summary>
    public double MinimumSignFlipP => Math.Pow(2, -Pairs);

    /// <param name="values">One statistic per network pair.</param>
    /// <param name="what">What the values are and where they come from, for the error when they cannot be tested.</param>
    /// <exception cref="ArgumentException">Fewer than two pairs, or a value that is not finite: there is no between-pair spread to test against.</exception>
    public static PairLevelTest Of(IReadOnlyList<double> values, string what)
    {
        if (values.Count < 2)
            throw new ArgumentException($"{what}: {values.Count} network pair(s); a pair-level test needs at least 2 independently trained pairs (df = pairs - 1).", nameof(values));
        if (values.FirstOrDefault(v => !double.IsFinite(v)) is var bad && !double.IsFinite(bad))
            throw new ArgumentException($"{what}: a pair's statistic is {bad}; every pair's matrix must be complete and finite.", nameof(values));
        return new PairLevelTest(values.ToArray());
    }

    /// <summary>Whether the pairs differ at all: with no spread the t statistic is undefined (identical or duplicated models).</summary>
    public bool HasSpread => StandardDeviation > 1e-12 * Math.Max(1, Math.Abs(Mean));

    /// <summary>One-sided p of H0: mean &lt;= <paramref name="bound"/> (small when the mean is credibly above it).</summary>
    public double PAbove(double bound) => 1 - StudentT.Cdf((Mean - bound) / StandardError, DegreesOfFreedom);

    /// <summary>One-sided p of H0: mean &gt;= <paramref name="bound"/> (small when the mean is credibly below it).</summary>
    public double PBelow(double bound) => StudentT.Cdf((Mean - bound) / StandardError, DegreesOfFreedom);

    /// <summary>The two-sided t interval of the mean at <paramref name="level"/>.</summary>
    public (double Low, double High) Interval(double level)
    {
        var half = StudentT.Quantile(1 - (1 - level) / 2, DegreesOfFreedom) * StandardError;
        return (Mean - half, Mean + half);
    }

    /// <summary>
    /// Exact one-sided sign-flip p of H0: the pairs' deviations from <paramref name="bound"/> are symmetric about zero,
    /// against a mean above it: the share of the 2^n sign patterns whose mean deviation is at least the observed one.
    /// </summary>
    public double SignFlipPAbove(double bound)
    {
        var d = Values.Select(v => v - bound).ToArray();
        var observed = d.Sum();
        // Ties count as extreme (the test stays valid); the tolerance keeps a flip that equals the observed sum from
        // falling just below it by rounding.
        var tolerance = 1e-12 * d.Sum(Math.Abs);
        if (d.Length <= ExactSignFlipLimit)
        {
            long extreme = 0, patterns = 1L << d.Length;
            for (long mask = 0; mask < patterns; mask++)
            {
                var sum = 0.0;
                for (var i = 0; i < d.Length; i++) sum += (mask >> i & 1) == 1 ? -d[i] : d[i];
                if (sum >= observed - tolerance) extreme++;
            }
            return extreme / (double)patterns;
        }
        const int draws = 1 << 16;
        var random = new Random(0);
        var hits = 0;
        for (var k = 0; k < draws; k++)
            if (d.Sum(x => random.Next(2) == 0 ? x : -x) >= observed - tolerance) hits++;
        return (hits + 1.0) / (draws + 1);
    }

    /// <summary>The sign-flip p of H0: symmetric about <paramref name="bound"/>, against a mean below it.</summary>
    public double SignFlipPBelow(double bound) => new PairLevelTest(Values.Select(v => -v).ToArray()).SignFlipPAbove(-bound);
}
