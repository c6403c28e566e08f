namespace Stitching.Domain.Analysis;

/// <summary>
/// Holm's step-down adjustment (Holm 1979, "A simple sequentially rejective multiple test procedure"): the i-th smallest of
/// m p-values is multiplied by m - i + 1, made monotone by a running maximum and capped at 1. Rejecting where the adjusted
/// p is below alpha keeps the chance of any false rejection in the family below alpha, whatever the dependence between tests.
/// </summary>
public static class Holm
{
    /// <summary>The adjusted p-values, in the order given. NaN entries (a test that could not run) stay NaN and do not count in m.</summary>
    public static double[] Adjust(IReadOnlyList<double> pValues)
    {
        var adjusted = pValues.Select(_ => double.NaN).ToArray();
        var order = Enumerable.Range(0, pValues.Count).Where(i => !double.IsNaN(pValues[i])).OrderBy(i => pValues[i]).ToList();
        foreach (var i in order)
            if (pValues[i] is < 0 or > 1)
                throw new ArgumentOutOfRangeException(nameof(pValues), pValues[i], $"p-value {i} lies outside [0, 1].");
        var running = 0.0;
        for (var k = 0; k < order.Count; k++)
        {
            running = Math.Max(running, Math.Min(1, (order.Count - k) * pValues[order[k]]));
            adjusted[order[k]] = running;
        }
        return adjusted;
    }
}
