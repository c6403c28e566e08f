using Stitching.Domain.Results;
using Stitching.Domain.Contracts;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Models;
using Stitching.Engine.Research;
using Stitching.Engine.Stitches;
using Stitching.Engine.Sweeps;
using Stitching.GpuRunner.Tests.Engine;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Research;

/// <summary>The copying experiment's measurements (issue 23.1) on tiny real networks: what each one must be when the answer is known.</summary>
public sealed class CopyingExperimentTests : IDisposable
{
    private const int Width = 4;
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-copying-").FullName;
    private readonly Stitching.Engine.Training.SweepData _data = SyntheticData.Create(train: 200, holdout: 40, test: 100);
    private readonly StitchEngine _engine;
    private static readonly TrainSettings Tiny = new() { Epochs = 2, BatchSize = 50, LearningRate = 0.05 };

    public CopyingExperimentTests() =>
        _engine = new StitchEngine(_data, new ModelRepository(_dir, CPU), CPU, new StitchSettings { Precision = ComputePrecision.Fp32 }, 1L << 30);

    private static StitchTask Task(int senderSeed, int receiverSeed, string senderLayer, string receiverLayer, int stitchSeed = 0)
    {
        var arch = Stitching.Domain.Architectures.ResNetSpec.Parse("resnet(1,1,1,1)");
        ModelSpec Model(int seed) => new("resnet(1,1,1,1)", Width, "synthetic", seed, true, null, Tiny);
        Stitching.Domain.Architectures.LayerInfo Layer(string name) => Stitching.Domain.Architectures.ArchitectureCatalog.Layer(arch, Width, name);
        return new StitchTask(Variant.TrainedToTrained, Model(senderSeed), senderLayer, Model(receiverSeed), receiverLayer,
            StitchShape.Between(Layer(senderLayer), Layer(receiverLayer)), stitchSeed);
    }

    private Tensor ReceiverLogits(ModelSpec receiver)
    {
        using var _ = inference_mode();
        return _engine.Model(receiver).Model.call(_data.TestImages);
    }

    [Fact]
    public void The_identity_start_into_the_same_network_is_the_receivers_own_path_exactly()
    {
        // Given a network stitched into itself at layer 2.0, from the identity start
        var task = Task(0, 0, "2.0", "2.0");
        var settings = new StitchSettings { Init = StitchInit.Identity, Precision = ComputePrecision.Fp32 };
        using var identity = _engine.InitialStitch(task, settings);
        var receiver = _engine.Model(task.Receiver).Model;
        var j = receiver.LayerIndex("2.0");
        using var own = ReceiverLogits(task.Receiver);

        // When its functional agreement with the receiver is measured
        var f = CopyingMeasures.Functional(identity, _engine.Activations(task.Sender, "2.0", "test", _data.TestImages), h => receiver.ForwardSuffix(h, j), own, _data.TestLabels);

        // Then it predicts what the receiver predicts on every image, with no divergence, at the receiver's own accuracy
        Assert.Equal(1.0, f.Agreement);
        Assert.InRange(f.Kl, 0, 1e-9);
        Assert.Equal(_engine.Model(task.Receiver).Info.TestAccuracy, f.Accuracy, 6);
        Assert.Equal([StitchInit.Default, StitchInit.LeastSquares, StitchInit.Identity], CopyingExperiment.Starts(task.Shape));
        Assert.Equal([StitchInit.Default, StitchInit.LeastSquares], CopyingExperiment.Starts(Task(0, 1, "3.0", "2.0").Shape));
    }

    [Fact]
    public void The_placebo_without_weight_decay_does_not_move_a_stitch_and_with_it_Adam_shrinks_every_weight()
    {
        // Given the least-squares start of a stitch between two networks
        var task = Task(0, 1, "1.0", "1.0");
        var settings = new StitchSettings { Precision = ComputePrecision.Fp32, BatchSize = 50 };
        using var still = _engine.InitialStitch(task, settings with { WeightDecay = 0 });
        using var decayed = _engine.InitialStitch(task, settings);
        using var start = _engine.InitialStitch(task, settings);

        // When the recipe runs 40 steps with no task gradient, without and with the recipe's weight decay
        CopyingMeasures.Placebo(still, settings with { WeightDecay = 0 }, _data.TrainLabels.shape[0], 40);
        CopyingMeasures.Placebo(decayed, settings, _data.TrainLabels.shape[0], 40);

        // Then without it not a bit of the stitch moved; with it the stitch moved towards zero
        var test = _engine.Activations(task.Sender, "1.0", "test", _data.TestImages);
        foreach (var ((a, b), (c, _)) in still.parameters().Zip(start.parameters()).Zip(decayed.parameters().Zip(start.parameters())))
        {
            Assert.True(a.equal(b).all().item<bool>(), "a placebo with zero weight decay changed a weight");
            Assert.True(c.abs().sum().item<float>() < b.abs().sum().item<float>(), "weight decay did not shrink the weights");
        }
        Assert.Equal(0, CopyTask.OutputMse(still, test, start, test));
        Assert.True(CopyTask.OutputMse(decayed, test, start, test) > 0);
    }

    [Fact]
    public void The_experiment_measures_every_start_and_seed_and_reads_them_over_network_pairs()
    {
        // Given two network pairs, a diagonal and an off-diagonal cell, two stitch seeds and one trade-off weight
        var options = new CopyingOptions
        {
            Dataset = "synthetic", Width = Width, Pairs = 2, StitchSeeds = [0, 1], Cells = [("2.0", "2.0"), ("3.0", "2.0")],
            Lambdas = [1], TradeOffCells = [0], ModelEpochs = Tiny.Epochs, AllowChanceModels = true,
            Stitch = new StitchSettings { Precision = ComputePrecision.Fp32, Epochs = 2, BatchSize = 50 },
        };
        Assert.Empty(Stitching.Domain.Sweeps.SweepSpecValidator.Validate(options.Spec with { Dataset = "fashion-mnist" }));

        // When it runs
        var (rows, distances) = new CopyingExperiment(_engine).Run(options);

        // Then each pair and cell has its LS copy, a task stitch and a placebo per start and seed, identity only on the diagonal
        Assert.Equal(2, rows.Select(r => (r.SenderSeed, r.ReceiverSeed)).Distinct().Count());
        foreach (var cell in rows.GroupBy(r => (r.SenderSeed, r.SenderLayer, r.ReceiverLayer)))
        {
            var starts = cell.Key.SenderLayer == cell.Key.ReceiverLayer ? 3 : 2;
            Assert.Single(cell, r => r.Kind == "ls-copy");
            Assert.Equal(starts * 2, cell.Count(r => r.Kind == "task"));
            Assert.Equal(starts * 2, cell.Count(r => r.Kind == "placebo"));
            Assert.Equal(cell.Key.SenderLayer == "2.0" ? 1 : 0, cell.Count(r => r.Kind == "trade-off"));
            Assert.Equal(0, cell.Single(r => r.Kind == "ls-copy").NmseLsCopy, 9);
            Assert.Equal(starts * 2 * (starts * 2 - 1) / 2, distances.Count(d => (d.SenderSeed, d.SenderLayer, d.ReceiverLayer) == cell.Key));
        }
        // A placebo runs the steps of its task stitch's kept check, never more than the task stitch ran.
        foreach (var placebo in rows.Where(r => r.Kind == "placebo"))
        {
            var task = rows.Single(r => r.Kind == "task" && (r.SenderSeed, r.SenderLayer, r.ReceiverLayer, r.Start, r.StitchSeed) ==
                (placebo.SenderSeed, placebo.SenderLayer, placebo.ReceiverLayer, placebo.Start, placebo.StitchSeed));
            Assert.InRange(placebo.Epochs, 0, task.Epochs);
        }
        Assert.All(rows, r => Assert.InRange(r.Agreement, 0, 1));
        Assert.All(rows, r => Assert.True(r.Kl >= -1e-9 && r.NmseExpected >= 0, r.ToString()));
        // The same seed from the same start is the same stitch: the distance between seeds is the seed's doing alone.
        Assert.All(distances, d => Assert.True(d.Nmse >= 0));
        var stats = CopyingSummary.Statistics(rows, distances);
        Assert.All(stats, s => Assert.Equal(2, s.PerPair.Count));
        // One family: Holm never lowers a p-value, and a direction is read only where the adjusted p allows it.
        Assert.All(stats.Where(s => s.Tested), s => Assert.True(s.PHolm >= s.P && s.PHolm <= 1, $"{s}"));
        Assert.All(stats, s => Assert.Equal(s.Above() || s.Below(), s.Tested && s.PHolm < 0.05));
        Assert.Contains("## The answer", CopyingSummary.Markdown(options, rows, distances, "header"));
    }

    [Fact]
    public void The_kept_epoch_is_the_curves_lowest_held_out_loss_and_the_epochs_run_without_a_curve()
    {
        var curve = new List<CurvePoint> { new(0, 2.0, 0.1), new(0.5, 1.2, 0.5), new(1, 0.9, 0.7), new(1.5, 0.95, 0.7), new(2, 0.9, 0.71) };
        Assert.Equal(1, CopyingExperiment.KeptEpoch(curve, 2));   // the first of equal losses: a later one is not a gain
        Assert.Equal(3, CopyingExperiment.KeptEpoch(null, 3));
        Assert.Equal(0, CopyingExperiment.KeptEpoch([new(0, 1, 0.1), new(1, 1.5, 0.1)], 1)); // nothing beat the start
    }

    public void Dispose()
    {
        _engine.Dispose();
        _data.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
