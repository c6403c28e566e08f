using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Models;
using Stitching.Engine.Representations;
using Stitching.Engine.Research;
using Stitching.Engine.Stitches;
using Stitching.Engine.Sweeps;
using Stitching.GpuRunner.Tests.Engine;
using Stitching.Platform.Coordination;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Research;

public sealed class CopyTaskTests : IDisposable
{
    private const int Width = 4;
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-copy-").FullName;
    private readonly Stitching.Engine.Training.SweepData _data = SyntheticData.Create(train: 200, holdout: 20, test: 100);
    private readonly StitchEngine _engine;
    // A random (untrained) network: nothing to train, and its layers are as good a representation to copy as any.
    private readonly ModelSpec _model = new("resnet(1,1,1,1)", Width, "synthetic", 0, Trained: false, null, new TrainSettings());

    public CopyTaskTests() =>
        _engine = new StitchEngine(_data, new ModelRepository(_dir, CPU), CPU, new StitchSettings { Precision = ComputePrecision.Fp32 }, 1L << 30);

    private (ActivationSource Train, ActivationSource Test, StitchShape Shape) Layer(string name)
    {
        var layer = ArchitectureCatalog.Layer(ResNetSpec.Parse(_model.Arch), Width, name);
        return (_engine.Activations(_model, name, "train", _data.TrainImages), _engine.Activations(_model, name, "test", _data.TestImages),
            StitchShape.Between(layer, layer));
    }

    private ActivationSource Holdout(string name) => _engine.Activations(_model, name, "holdout", _data.HoldoutImages);

    [Fact]
    public void Identity_stitch_into_the_same_layer_reproduces_the_expected_representation_exactly()
    {
        // Given the receiver's own activations at layer 2.0 as both the input and the expected representation
        var (_, test, shape) = Layer("2.0");
        using var identity = new Stitch(shape);
        identity.SetIdentity();

        // When the identity stitch is compared through the copying task's code path
        var cmp = CopyTask.Compare(identity, test, test);

        // Then it is at distance zero in every metric
        Assert.Equal(0, cmp.Mse, 12);
        Assert.Equal(0, cmp.NormalizedMse, 12);
        Assert.Equal(0, cmp.DistributionDistance, 9);
        Assert.Equal(0, CopyTask.OutputMse(identity, test, identity, test), 12);
    }

    [Fact]
    public void Copy_trained_stitch_on_the_same_layer_approaches_the_identity()
    {
        // Given a stitch at PyTorch's random initialization between a layer and itself
        var (train, test, shape) = Layer("1.0");
        using var stitch = Stitch.Create(shape, seed: 3);
        var before = CopyTask.Compare(stitch, test, test).NormalizedMse;

        // When it is trained on the copying task
        var settings = new StitchSettings { Epochs = 20, BatchSize = 50, Optimizer = StitchOptimizer.Adam, LearningRate = 0.05, WeightDecay = 0, WarmupFraction = 0 };
        CopyTask.Train(stitch, train, train, null, null, settings, seed: 0);

        // Then its output on held-out images is close to the expected representation
        AssertCopies(stitch, test, test, before);
    }

    [Fact]
    public void A_copy_stitch_with_a_learnable_target_converges_by_the_held_out_rule_before_a_high_cap_and_keeps_its_best_weights()
    {
        // Given a target that a stitch can fit exactly: a fixed random 1x1 conv of the layer's own activations
        var (train, test, shape) = Layer("1.0");
        using var teacher = Stitch.Create(shape, seed: 11);
        teacher.eval();
        using var trainTarget = Target(teacher, train);
        var holdout = Holdout("1.0");
        using var holdoutTarget = Target(teacher, holdout);
        using var testTarget = Target(teacher, test);
        using var stitch = Stitch.Create(shape, seed: 3);
        var before = CopyTask.Compare(stitch, test, testTarget).NormalizedMse;

        // When it is trained on the copying task with held-out checks, the cap far above what it needs
        var settings = new StitchSettings { Epochs = 300, BatchSize = 50, LearningRate = 0.01, WeightDecay = 0, WarmupFraction = 0 };
        var outcome = CopyTask.Train(stitch, train, trainTarget, holdout, holdoutTarget, settings, seed: 0);

        // Then the stopping rule ended it, well before the cap, with the weights of its best held-out check
        Assert.True(outcome.Converged, $"ran {outcome.Epochs} epochs");
        Assert.InRange(outcome.Epochs, 1, 299);
        Assert.Equal(outcome.HoldoutMse, CopyTask.PerImageMse(stitch, holdout, holdoutTarget).Loss, 6);
        Assert.True(double.IsFinite(outcome.TrainMse));
        AssertCopies(stitch, test, testTarget, before);
    }

    [Fact]
    public void A_copy_stitch_cut_by_a_low_cap_is_not_converged_and_without_a_held_out_split_nothing_stops_it()
    {
        // Given a copy stitch of layer 1.0 onto itself
        var (train, _, shape) = Layer("1.0");
        using var copy = Stitch.Create(shape, seed: 3);

        // When it is cut by a one-epoch cap with a patience it cannot reach, then trained on without a held-out split
        var capped = CopyTask.Train(copy, train, train, Holdout("1.0"), Holdout("1.0"), new StitchSettings { Epochs = 1, BatchSize = 50, Patience = 1000 }, seed: 0);
        var noHoldout = CopyTask.Train(copy, train, train, null, null, new StitchSettings { Epochs = 2, BatchSize = 50, Patience = 1 }, seed: 0);

        // Then neither run is called converged, and each ran to its cap
        Assert.False(capped.Converged);
        Assert.Equal(1, capped.Epochs, 6);
        Assert.True(double.IsFinite(capped.HoldoutMse));
        Assert.False(noHoldout.Converged);
        Assert.Equal(2, noHoldout.Epochs, 6);
        Assert.True(double.IsNaN(noHoldout.HoldoutMse));
    }

    /// <summary>The stitch's output on the test images is close to the target: normalized MSE under 0.05 and a tenth of where it started.</summary>
    private static void AssertCopies(Stitch stitch, ActivationSource test, ActivationSource target, double before)
    {
        var after = CopyTask.Compare(stitch, test, target).NormalizedMse;
        Assert.True(after < 0.05 && after < before / 10, $"normalized MSE {before:F3} -> {after:F4}");
    }

    private static ActivationSource Target(Stitch teacher, ActivationSource input)
    {
        using var all = arange(input.Count, dtype: ScalarType.Int64);
        using var x = input.Get(all);
        return ActivationSource.Cached(h => teacher.call(h), x, ScalarType.Float32);
    }

    [Fact]
    public void Least_squares_copy_stitch_on_the_same_layer_is_the_identity()
    {
        var (train, test, shape) = Layer("1.0");

        using var stitch = CopyTask.FitLeastSquares(shape, train, train, ridge: 0, CPU);

        Assert.True(CopyTask.Compare(stitch, test, test).NormalizedMse < 1e-6);
    }

    [Fact]
    public void Cka_from_cached_grams_equals_one_shot_linear_cka()
    {
        var (_, a, _) = Layer("1.0");
        var (_, b, _) = Layer("3.0");
        using var grams = new CkaGrams(60, CPU);
        using var idx = arange(60, dtype: ScalarType.Int64);
        using var xa = a.Get(idx);
        using var xb = b.Get(idx);

        Assert.Equal(LinearCka.Compute(xa, xb), grams.Between("a", a, "b", b), 9);
        Assert.Equal(1.0, grams.Between("a", a, "a", a), 9);
    }

    public void Dispose()
    {
        _engine.Dispose();
        _data.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
