using Stitching.Engine.Native;
using Stitching.Engine.Representations;
using Stitching.Engine.Research;
using Stitching.Engine.Stitches;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Analysis;

public sealed class CkaGramsTests
{
    public CkaGramsTests() => TorchRuntime.EnsureLoadable();

    private static ActivationSource Source(Tensor x) => ActivationSource.Cached(t => t, x, ScalarType.Float32);

    private static (double Cka, double Debiased) Both(Tensor x, Tensor y)
    {
        using var grams = new CkaGrams((int)x.shape[0], CPU);
        using var a = Source(x);
        using var b = Source(y);
        return (grams.Between("x", a, "y", b), grams.DebiasedBetween("x", a, "y", b));
    }

    /// <summary>Song et al. 2012, eq. 5, written out: the unbiased HSIC of two Gram matrices.</summary>
    private static double UnbiasedHsic(double[,] k, double[,] l)
    {
        var n = k.GetLength(0);
        double trace = 0, sumK = 0, sumL = 0, cross = 0;
        var rowK = new double[n];
        var rowL = new double[n];
        for (var i = 0; i < n; i++)
        for (var j = 0; j < n; j++)
        {
            if (i == j) continue;
            trace += k[i, j] * l[j, i];
            sumK += k[i, j];
            sumL += l[i, j];
            rowK[i] += k[i, j];
            rowL[j] += l[i, j];
        }
        for (var i = 0; i < n; i++) cross += rowK[i] * rowL[i]; // 1^T K~ L~ 1
        return (trace + sumK * sumL / ((n - 1.0) * (n - 2.0)) - 2.0 / (n - 2.0) * cross) / (n * (n - 3.0));
    }

    private static double[,] GramOf(Tensor x)
    {
        var k = CkaGrams.Gram(x);
        var n = (int)k.shape[0];
        var values = k.data<double>().ToArray();
        var result = new double[n, n];
        for (var i = 0; i < n; i++) for (var j = 0; j < n; j++) result[i, j] = values[i * n + j];
        return result;
    }

    [Fact]
    public void Cka_from_full_resolution_grams_equals_the_direct_feature_space_computation()
    {
        // 8 x 32 x 32 = 8192 features: more than the 4096 the Grams used to pool down to.
        using var g = new Generator(1);
        var x = randn([40, 8, 32, 32], generator: g);
        var y = x * 0.5 + randn([40, 8, 32, 32], generator: g);

        var (cka, _) = Both(x, y);

        Assert.Equal(LinearCka.Compute(x, y), cka, 9);
    }

    [Fact]
    public void Debiased_cka_equals_the_unbiased_hsic_ratio_written_out()
    {
        using var g = new Generator(2);
        var x = randn([12, 5], generator: g);
        var y = x.matmul(randn([5, 7], generator: g)) + randn([12, 7], generator: g);
        var (k, l) = (GramOf(x), GramOf(y));
        var direct = UnbiasedHsic(k, l) / Math.Sqrt(UnbiasedHsic(k, k) * UnbiasedHsic(l, l));

        var (_, debiased) = Both(x, y);

        Assert.Equal(direct, debiased, 9);
    }

    [Fact]
    public void Both_estimators_are_one_for_a_layer_with_itself_and_unchanged_by_orthogonal_maps_and_isotropic_scaling()
    {
        using var g = new Generator(3);
        var x = randn([30, 6], generator: g);
        var y = x.matmul(randn([6, 6], generator: g)).relu() + 0.3 * randn([30, 6], generator: g);
        var (q, _) = linalg.qr(randn([6, 6], generator: g));   // orthogonal

        var self = Both(x, x);
        var plain = Both(x, y);
        var rotated = Both(x.matmul(q), y);
        var scaled = Both(x * 3.7, y * 0.2);

        // Activations are float32 (Grams float64): the rotated copy differs in the 7th digit.
        Assert.Equal(1, self.Cka, 9);
        Assert.Equal(1, self.Debiased, 9);
        Assert.Equal(plain.Cka, rotated.Cka, 6);
        Assert.Equal(plain.Debiased, rotated.Debiased, 6);
        Assert.Equal(plain.Cka, scaled.Cka, 6);
        Assert.Equal(plain.Debiased, scaled.Debiased, 6);
        Assert.NotEqual(plain.Cka, Both(x, randn([30, 6], generator: g)).Cka, 3);
    }

    [Fact]
    public void For_unrelated_wide_layers_on_few_inputs_the_biased_estimate_is_high_and_the_debiased_one_near_zero()
    {
        using var g = new Generator(4);
        var x = randn([40, 4000], generator: g);
        var y = randn([40, 4000], generator: g);

        var (cka, debiased) = Both(x, y);

        Assert.True(cka > 0.5, $"biased CKA {cka}");
        Assert.InRange(debiased, -0.1, 0.1);
    }
}
