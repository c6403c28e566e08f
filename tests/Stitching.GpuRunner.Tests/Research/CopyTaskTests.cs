using Stitching.Core.Architectures;
using Stitching.Core.Contracts;
using Stitching.Core.Stitches;
using Stitching.Core.Sweeps;
using Stitching.GpuRunner.Analysis;
using Stitching.GpuRunner.Models;
using Stitching.GpuRunner.Research;
using Stitching.GpuRunner.Stitches;
using Stitching.GpuRunner.Sweeps;
using Stitching.GpuRunner.Tests.Engine;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Research;

public sealed class CopyTaskTests : IDisposable
{
    private const int Width = 4;
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-copy-").FullName;
    private readonly Training.SweepData _data = SyntheticData.Create(train: 200, holdout: 20, test: 100);
    private readonly StitchEngine _engine;
    // A random (untrained) network: nothing to train, and its layers are as good a representation to copy as any.
    private readonly ModelSpec _model = new("resnet(1,1,1,1)", Width, "synthetic", 0, Trained: false, null, new TrainSettings());

    public CopyTaskTests() =>
        _engine = new StitchEngine(_data, new ModelRepository(_dir, CPU), CPU, new StitchSettings { Precision = "fp32" }, 1L << 30);

    private (ActivationSource Train, ActivationSource Test, StitchShape Shape) Layer(string name)
    {
        var layer = ArchitectureCatalog.Layer(ResNetSpec.Parse(_model.Arch), Width, name);
        return (_engine.Activations(_model, name, "train", _data.TrainImages), _engine.Activations(_model, name, "test", _data.TestImages),
            StitchShape.Between(layer, layer));
    }

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
        var settings = new StitchSettings { Epochs = 20, BatchSize = 50, Optimizer = "adam", LearningRate = 0.05, WeightDecay = 0, WarmupFraction = 0 };
        CopyTask.Train(stitch, train, train, settings, seed: 0);

        // Then its output on held-out images is close to the expected representation
        var after = CopyTask.Compare(stitch, test, test).NormalizedMse;
        Assert.True(after < 0.05 && after < before / 10, $"normalized MSE {before:F3} -> {after:F4}");
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
