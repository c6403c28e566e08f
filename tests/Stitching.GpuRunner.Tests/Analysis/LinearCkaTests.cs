using Stitching.Engine.Native;
using Stitching.Engine.Representations;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Analysis;

public sealed class LinearCkaTests
{
    private readonly ITestOutputHelper _output;

    public LinearCkaTests(ITestOutputHelper output)
    {
        TorchRuntime.EnsureLoadable();
        _output = output;
    }

    [Theory]
    [InlineData(100, 20)]   // feature form (N > D)
    [InlineData(30, 200)]   // kernel form (N < D)
    public void Cka_of_a_representation_with_itself_is_one(int n, int d)
    {
        using var scope = NewDisposeScope();
        var x = randn(n, d, generator: new Generator(1));

        Assert.Equal(1.0, LinearCka.Compute(x, x), 1e-9);
    }

    [Theory]
    [InlineData(100, 20)]
    [InlineData(30, 200)]
    public void Cka_is_invariant_to_orthogonal_transforms_and_isotropic_scaling(int n, int d)
    {
        // Given two related representations and a random orthogonal Q (from QR of a Gaussian matrix)
        using var scope = NewDisposeScope();
        var generator = new Generator(2);
        var x = randn(n, d, generator: generator);
        var y = x.matmul(randn(d, d, generator: generator)) + randn(n, d, generator: generator);
        var (q, _) = linalg.qr(randn(d, d, ScalarType.Float64, generator: generator));
        var reference = LinearCka.Compute(x, y);

        // When x is rotated and scaled
        var transformed = LinearCka.Compute(x.to(ScalarType.Float64).matmul(q) * 3.7, y);

        // Then CKA does not change
        Assert.InRange(reference, 0.05, 0.99);
        Assert.Equal(reference, transformed, 1e-6);
    }

    [Fact]
    public void Cka_of_independent_random_representations_is_small()
    {
        // Expected value is about D / (N + D) = 0.2 for N = 200, D = 50, with a spread of a few percent.
        using var scope = NewDisposeScope();
        var generator = new Generator(3);
        var cka = LinearCka.Compute(randn(200, 50, generator: generator), randn(200, 50, generator: generator));

        _output.WriteLine($"CKA of independent representations: {cka:F3}");
        Assert.InRange(cka, 0, 0.3);
    }

    [Fact]
    public void Streaming_cka_in_per_batch_scopes_equals_one_shot_cka()
    {
        // Given 4-D representations of 40 inputs with different channel counts (D = 48 and 128)
        using var scope = NewDisposeScope();
        var generator = new Generator(4);
        var x = randn(40, 3, 4, 4, generator: generator);
        var y = nn.functional.relu(nn.functional.conv2d(x, randn(8, 3, 1, 1, generator: generator))) + 0.5 * randn(40, 8, 4, 4, generator: generator);
        using var accumulator = new LinearCkaAccumulator();

        // When accumulated in uneven batches, each in its own dispose scope
        foreach (var (from, to) in new[] { (0, 7), (7, 30), (30, 40) })
        {
            using var batchScope = NewDisposeScope();
            accumulator.Accumulate(x[from..to], y[from..to]);
        }

        // Then it equals one-shot CKA, which takes the kernel form here (N = 40 < D), so the two forms agree
        Assert.Equal(40, accumulator.Count);
        Assert.Equal(LinearCka.Compute(x, y), accumulator.Result(), 1e-9);
    }

    [Fact]
    public void Pooled_streaming_cka_equals_cka_of_spatial_means()
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        var x = randn(50, 6, 8, 8, generator: generator);
        var y = x[.., ..4] * 2 + randn(50, 4, 8, 8, generator: generator);
        using var accumulator = new LinearCkaAccumulator(pooledSize: 1);

        accumulator.Accumulate(x, y);

        Assert.Equal(LinearCka.Compute(x.mean([2, 3]), y.mean([2, 3])), accumulator.Result(), 1e-9);
    }

    [Fact]
    public void Streaming_cka_refuses_feature_dimensions_too_large_for_cross_products()
    {
        using var scope = NewDisposeScope();
        using var accumulator = new LinearCkaAccumulator(maxFeatures: 100);

        Assert.Throws<ArgumentException>(() => accumulator.Accumulate(zeros(4, 8, 4, 4), zeros(4, 2)));
    }
}
