namespace Stitching.Domain.Analysis;

/// <summary>
/// Student's t distribution: the distribution function through the regularized incomplete beta function (continued
/// fraction, Numerical Recipes 3rd ed. section 6.4) and its quantile by bisection. Pure C#: the domain references no package.
/// </summary>
public static class StudentT
{
    /// <summary>P(T &lt;= <paramref name="t"/>) for <paramref name="degreesOfFreedom"/> &gt; 0.</summary>
    public static double Cdf(double t, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0)) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "Student's t needs degrees of freedom > 0.");
        if (double.IsNaN(t)) return double.NaN;
        if (double.IsPositiveInfinity(t)) return 1;
        if (double.IsNegativeInfinity(t)) return 0;
        var tail = 0.5 * RegularizedBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5); // P(T > |t|)
        return t >= 0 ? 1 - tail : tail;
    }

    /// <summary>The <paramref name="p"/> quantile, 0 &lt; p &lt; 1.</summary>
    public static double Quantile(double p, double degreesOfFreedom)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "A quantile needs 0 < p < 1.");
        if (p == 0.5) return 0;
        // Bracket, then bisect: the distribution function is monotone, so 200 halvings reach double precision.
        double low = -1, high = 1;
        while (Cdf(low, degreesOfFreedom) > p) low *= 2;
        while (Cdf(high, degreesOfFreedom) < p) high *= 2;
        for (var k = 0; k < 200 && high - low > 1e-14 * Math.Max(1, Math.Abs(low)); k++)
        {
            var mid = (low + high) / 2;
            if (Cdf(mid, degreesOfFreedom) < p) low = mid; else high = mid;
        }
        return (low + high) / 2;
    }

    /// <summary>I_x(a, b), the regularized incomplete beta function.</summary>
    private static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        var front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x));
        // The continued fraction converges fast for x < (a + 1) / (a + b + 2); use the symmetry I_x(a,b) = 1 - I_(1-x)(b,a) otherwise.
        return x < (a + 1) / (a + b + 2) ? front * BetaFraction(x, a, b) / a : 1 - front * BetaFraction(1 - x, b, a) / b;
    }

    /// <summary>The continued fraction of the incomplete beta function by the modified Lentz method.</summary>
    private static double BetaFraction(double x, double a, double b)
    {
        const double tiny = 1e-300, epsilon = 1e-15;
        double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        var h = d;
        for (var m = 1; m <= 1000; m++)
        {
            var m2 = 2 * m;
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d; h *= d * c;
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            var delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < epsilon) return h;
        }
        throw new InvalidOperationException($"The incomplete beta continued fraction did not converge for x = {x}, a = {a}, b = {b}.");
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, nine coefficients; relative error below 1e-15).</summary>
    private static double LogGamma(double x)
    {
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        if (x < 0.5) return Math.Log(Math.PI / Math.Abs(Math.Sin(Math.PI * x))) - LogGamma(1 - x);
        x -= 1;
        var sum = c[0];
        for (var i = 1; i < c.Length; i++) sum += c[i] / (x + i);
        var t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
