using Stitching.Domain.Stitches;
using Stitching.Engine.Native;
using Stitching.Engine.Representations;
using Stitching.Engine.Research;
using Stitching.Engine.Stitches;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Stitching.GpuRunner.Tests.Analysis;

public sealed class NormalEquationsTests
{
    private readonly ITestOutputHelper _output;

    public NormalEquationsTests(ITestOutputHelper output)
    {
        TorchRuntime.EnsureLoadable();
        _output = output;
    }

    public static TheoryData<StitchKind, int, int, int, int, int> Shapes => new()
    {
        // kind, factor, Cin, Cout, S, R
        { StitchKind.Conv1x1, 1, 6, 5, 4, 4 },
        { StitchKind.StridedConv, 2, 4, 5, 8, 4 },
        { StitchKind.StridedConv, 3, 3, 4, 6, 2 },
        { StitchKind.UpsampleConv1x1, 2, 4, 5, 4, 8 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Closed_form_fit_recovers_a_known_stitch_exactly(StitchKind kind, int factor, int cin, int cout, int s, int r)
    {
        // Given activations produced by a known stitch
        using var scope = NewDisposeScope();
        var shape = new StitchShape(kind, factor, cin, cout, s, r);
        var generator = new Generator(42);
        var (trueWeight, trueBias) = RandomStitch(shape, generator);
        using var equations = new NormalEquations(shape);

        // When the normal equations are accumulated over several batches and solved
        for (var batch = 0; batch < 4; batch++)
        {
            var x = randn(8, cin, s, s, generator: generator);
            equations.Accumulate(x, ReferenceStitch(shape, trueWeight, trueBias, x));
        }
        var (weight, bias) = equations.Solve();

        // Then the solution is the true stitch
        var weightError = (weight - trueWeight).abs().max().item<float>();
        var biasError = (bias - trueBias).abs().max().item<float>();
        _output.WriteLine($"{shape.KindName}: max |dW| = {weightError:E2}, max |db| = {biasError:E2}");
        Assert.Equal(trueWeight.shape, weight.shape);
        Assert.Equal([cout], bias.shape);
        Assert.True(weightError < 1e-4, $"weight error {weightError}");
        Assert.True(biasError < 1e-4, $"bias error {biasError}");
        Assert.Equal(4L * 8 * r * r, equations.Count);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Fitted_stitch_reproduces_the_targets_through_its_module(StitchKind kind, int factor, int cin, int cout, int s, int r)
    {
        using var scope = NewDisposeScope();
        var shape = new StitchShape(kind, factor, cin, cout, s, r);
        var generator = new Generator(7);
        var (trueWeight, trueBias) = RandomStitch(shape, generator);
        var x = randn(16, cin, s, s, generator: generator);
        var y = ReferenceStitch(shape, trueWeight, trueBias, x);
        using var inputs = ActivationSource.Cached(h => h, x, ScalarType.Float32);
        using var targets = ActivationSource.Cached(h => h, y, ScalarType.Float32);

        using var stitch = CopyTask.FitLeastSquares(shape, inputs, targets, ridge: 0, CPU);

        using (inference_mode())
            Assert.True(stitch.call(x).allclose(y, rtol: 0, atol: 1e-4));
    }

    [Fact]
    public void Ridge_shrinks_the_weights_but_not_towards_a_zero_bias()
    {
        // Given data from a stitch with a large bias
        using var scope = NewDisposeScope();
        var shape = new StitchShape(StitchKind.Conv1x1, 1, 6, 5, 4, 4);
        var generator = new Generator(3);
        var (trueWeight, trueBias) = RandomStitch(shape, generator);
        trueBias = trueBias + 10;
        var x = randn(32, 6, 4, 4, generator: generator);
        using var equations = new NormalEquations(shape);
        equations.Accumulate(x, ReferenceStitch(shape, trueWeight, trueBias, x));

        // When solved without and with ridge
        var (plain, _) = equations.Solve();
        var (shrunk, shrunkBias) = equations.Solve(ridge: 0.5);

        // Then the ridge solution has a smaller weight norm, and the bias still carries the mean
        Assert.True(shrunk.norm().item<float>() < 0.9f * plain.norm().item<float>());
        Assert.True((shrunkBias - trueBias).abs().max().item<float>() < 1f);
    }

    [Fact]
    public void Streaming_accumulation_in_per_batch_scopes_equals_one_shot_accumulation()
    {
        using var scope = NewDisposeScope();
        var shape = new StitchShape(StitchKind.StridedConv, 2, 3, 4, 8, 4);
        var generator = new Generator(11);
        var x = randn(24, 3, 8, 8, generator: generator);
        var y = randn(24, 4, 4, 4, generator: generator);   // not a stitch's output: the LS solution is not exact
        using var streamed = new NormalEquations(shape);
        using var oneShot = new NormalEquations(shape);

        foreach (var (from, to) in new[] { (0, 5), (5, 16), (16, 24) })
        {
            using var batchScope = NewDisposeScope();   // as in a runner's loop: the running sums must survive it
            streamed.Accumulate(x[from..to], y[from..to]);
        }
        oneShot.Accumulate(x, y);

        var (streamedWeight, streamedBias) = streamed.Solve();
        var (oneShotWeight, oneShotBias) = oneShot.Solve();
        Assert.Equal(oneShot.Count, streamed.Count);
        Assert.True(streamedWeight.allclose(oneShotWeight, rtol: 0, atol: 1e-6));
        Assert.True(streamedBias.allclose(oneShotBias, rtol: 0, atol: 1e-6));
    }

    [Fact]
    public void Dead_sender_channel_gets_zero_weight_instead_of_a_singular_solve()
    {
        // Given a sender channel that is always zero (a dead ReLU), so A^T A is singular
        using var scope = NewDisposeScope();
        var shape = new StitchShape(StitchKind.Conv1x1, 1, 4, 3, 4, 4);
        var generator = new Generator(5);
        var (trueWeight, trueBias) = RandomStitch(shape, generator);
        var x = randn(16, 4, 4, 4, generator: generator);
        x[.., 2] = zeros(16, 4, 4);
        using var equations = new NormalEquations(shape);
        equations.Accumulate(x, ReferenceStitch(shape, trueWeight, trueBias, x));

        // When solved without ridge
        var (weight, bias) = equations.Solve();

        // Then the minimum-norm solution ignores the dead channel and recovers the rest
        Assert.True(weight[.., 2].abs().max().item<float>() < 1e-4);
        Assert.True(weight[.., 0].allclose(trueWeight[.., 0], rtol: 0, atol: 1e-4));
        Assert.True(bias.allclose(trueBias, rtol: 0, atol: 1e-4));
    }

    private static (Tensor Weight, Tensor Bias) RandomStitch(StitchShape shape, Generator generator)
    {
        var k = shape.KernelSize;
        return (randn(shape.OutChannels, shape.InChannels, k, k, generator: generator), randn(shape.OutChannels, generator: generator));
    }

    // Written out with torch's own ops rather than through the Stitch module, so the fit is checked against an independent reference.
    private static Tensor ReferenceStitch(StitchShape shape, Tensor weight, Tensor bias, Tensor x) => shape.Kind switch
    {
        StitchKind.Conv1x1 => conv2d(x, weight, bias),
        StitchKind.StridedConv => conv2d(x, weight, bias, strides: [shape.Factor, shape.Factor]),
        _ => conv2d(interpolate(x, size: [shape.OutSize, shape.OutSize], mode: InterpolationMode.Nearest), weight, bias),
    };
}
