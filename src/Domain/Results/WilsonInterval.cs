namespace Stitching.Domain.Results;

/// <summary>
/// Wilson score interval of a proportion (Wilson 1927; Brown, Cai and DasGupta 2001 recommend it over the normal
/// interval, which leaves [0, 1] and undercovers near 0 and 1): the 95% interval of an accuracy measured on
/// <c>n</c> test images. It covers test-set sampling only, not seeds of the stitch or of the base models.
/// </summary>
public static class WilsonInterval
{
    /// <summary>z of the two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>(low, high) for <paramref name="accuracy"/> on <paramref name="n"/> images; (NaN, NaN) when n &lt; 1 or the accuracy is not a fraction.</summary>
    public static (double Low, double High) Of(double accuracy, long n, double z = Z95)
    {
        if (n < 1 || !(accuracy >= 0 && accuracy <= 1)) return (double.NaN, double.NaN);
        var z2n = z * z / n;
        var center = (accuracy + z2n / 2) / (1 + z2n);
        var half = z / (1 + z2n) * Math.Sqrt(accuracy * (1 - accuracy) / n + z2n / (4 * n));
        return (Math.Max(0, center - half), Math.Min(1, center + half));
    }
}
