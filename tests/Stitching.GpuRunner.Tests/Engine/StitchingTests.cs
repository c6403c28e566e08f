using Stitching.Domain.Contracts;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Models;
using Stitching.Engine.Stitches;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using Stitching.Platform.Coordination;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

/// <summary>Stitching a trained network with itself and checking the frozen parts, on a tiny synthetic task.</summary>
[Trait("Category", "Numerics")]
public sealed class StitchingTests : IDisposable
{
    private readonly SweepData _data = SyntheticData.Create();
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-tests-").FullName;
    private static readonly TrainSettings QuickTraining = new() { Epochs = 4, BatchSize = 50, LearningRate = 0.05 };

    private static ModelSpec Spec(bool trained, int seed = 0) => new("resnet(1,1,1,1)", 4, "synthetic", seed, trained, null, QuickTraining);

    private static StitchTask Task(ModelSpec sender, string senderLayer, ModelSpec receiver, string receiverLayer)
    {
        var plan = PairPlan.Create(new SweepSpec { Width = 4 }, Stitching.Domain.Architectures.ResNetSpec.Parse(sender.Arch), Stitching.Domain.Architectures.ResNetSpec.Parse(receiver.Arch), [Variant.TrainedToTrained]);
        var i = plan.SenderLayers.Single(l => l.Name == senderLayer);
        var j = plan.ReceiverLayers.Single(l => l.Name == receiverLayer);
        return new StitchTask(Variant.TrainedToTrained, sender, senderLayer, receiver, receiverLayer, StitchShape.Between(i, j), 0);
    }

    [Fact]
    public void Identity_stitch_into_the_same_layer_keeps_the_networks_accuracy_before_and_after_training()
    {
        using var engine = new StitchEngine(_data, new ModelRepository(_dir, CPU), CPU, new StitchSettings { Precision = ComputePrecision.Fp32 }, 1L << 30);
        var (model, info) = engine.Model(Spec(trained: true));
        Assert.True(info.TestAccuracy > 0.5, $"the base model should learn the synthetic task, got {info.TestAccuracy:P1}");

        foreach (var layer in new[] { "stem", "2.0", "4.0" })
        {
            var task = Task(Spec(true), layer, Spec(true), layer);
            // Before training: an identity stitch makes the stitched network the network itself, prediction for prediction.
            using var stitch = new Stitch(task.Shape);
            stitch.SetIdentity();
            var j = model.LayerIndex(layer);
            var member = new StitchMember(stitch, engine.Activations(task.Sender, layer, "train", _data.TrainImages), null,
                engine.Activations(task.Sender, layer, "test", _data.TestImages));
            var before = StitchGroupTrainer.Evaluate([member], [0], m => m.Test, _data.TestLabels, h => model.ForwardSuffix(h, j))[0];
            Assert.Equal(info.TestAccuracy, before.Accuracy);

            var after = engine.TrainGroup([task], new StitchSettings { Init = StitchInit.Identity, Epochs = 2, Precision = ComputePrecision.Fp32 })[0].Result;
            Assert.InRange(after.Accuracy, info.TestAccuracy - 0.01, 1.0);
        }
    }

    [Fact]
    public void Stitch_training_leaves_the_frozen_prefix_and_suffix_bit_for_bit_unchanged()
    {
        using var engine = new StitchEngine(_data, new ModelRepository(_dir, CPU), CPU, new StitchSettings { Precision = ComputePrecision.Fp32 }, 1L << 30);
        var sender = engine.Model(Spec(true)).Model;
        var receiver = engine.Model(Spec(false, seed: 5)).Model;
        var senderBefore = Snapshot(sender);
        var receiverBefore = Snapshot(receiver);
        Assert.Contains(senderBefore.Keys, k => k.EndsWith("running_mean", StringComparison.Ordinal));

        var results = engine.TrainGroup([Task(Spec(true), "1.0", Spec(false, 5), "2.0"), Task(Spec(true), "3.0", Spec(false, 5), "2.0")],
            new StitchSettings { Epochs = 1, Init = StitchInit.Default, Precision = ComputePrecision.Fp32 });

        Assert.Equal(2, results.Count);
        AssertSame(senderBefore, Snapshot(sender));
        AssertSame(receiverBefore, Snapshot(receiver));
        Assert.All(results, r => Assert.InRange(r.Result.Accuracy, 0, 1));
    }

    [Fact]
    public void With_the_baseline_recipe_in_fp32_the_engine_trains_the_same_stitches_as_the_straightforward_baseline()
    {
        // The bench's equivalence check in small: cached activations, batched suffix passes and no held-out checks
        // must not change what a stitch learns. Same init seed, same shuffles, so the weights must match.
        var recipe = new StitchSettings { Epochs = 2, BatchSize = 50, Init = StitchInit.Default, EvalsPerEpoch = 0, Patience = 0, Precision = ComputePrecision.Fp32, LearningRate = 0.05 };
        using var engine = new StitchEngine(_data, new ModelRepository(_dir, CPU), CPU, recipe, 1L << 30);
        var tasks = new[] { Task(Spec(true), "1.0", Spec(true), "3.0"), Task(Spec(true), "2.0", Spec(true), "3.0"), Task(Spec(true), "4.0", Spec(true), "3.0") };
        var trained = engine.TrainGroup(tasks, recipe);

        var models = new ModelRepository(_dir, CPU);
        using var sender = models.GetOrCreate(Spec(true), _data).Model;
        using var receiver = models.GetOrCreate(Spec(true), _data).Model;
        for (var k = 0; k < tasks.Length; k++)
        {
            using var stitch = Stitch.Create(tasks[k].Shape, StitchEngine.StableSeed(tasks[k].Id));
            var baseline = Stitching.Engine.Benchmarks.BaselineStitchTrainer.Train(sender, sender.LayerIndex(tasks[k].SenderLayer), stitch,
                receiver, receiver.LayerIndex("3.0"), _data, recipe, seed: 0);
            var engineWeights = trained[k].Stitch.state_dict();
            foreach (var (name, w) in stitch.state_dict())
                Assert.True(w.allclose(engineWeights[name], rtol: 1e-3, atol: 1e-5), $"stitch {tasks[k].SenderLayer} -> 3.0: {name} differs");
            Assert.InRange(trained[k].Result.Accuracy, baseline.Accuracy - 0.01, baseline.Accuracy + 0.01);
            trained[k].Stitch.Dispose();
        }
    }

    [Fact]
    public void Every_parameter_tensor_of_a_random_model_differs_from_the_trained_one()
    {
        using var engine = new StitchEngine(_data, new ModelRepository(_dir, CPU), CPU, new StitchSettings { Precision = ComputePrecision.Fp32 }, 1L << 30);
        var trained = engine.Model(Spec(true)).Model.named_parameters().ToList();
        var random = engine.Model(Spec(false)).Model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.NotEmpty(trained);
        foreach (var (name, p) in trained)
            Assert.False(p.eq(random[name]).all().item<bool>(), $"parameter {name} of the random model equals the trained one");
    }

    [Fact]
    public void A_trained_model_is_reused_from_its_checkpoint_and_a_corrupted_checkpoint_is_refused()
    {
        var repo = new ModelRepository(_dir, CPU);
        var (first, info) = repo.GetOrCreate(Spec(true), _data);
        var (second, again) = repo.GetOrCreate(Spec(true), _data);
        Assert.Equal(info.CreatedUtc, again.CreatedUtc); // not retrained
        AssertSame(Snapshot(first), Snapshot(second));

        // Reused with another test set, the model is scored on that set: a stored accuracy never stands for another test set.
        // (Other class patterns, so the two test sets cannot give the same accuracy by chance and the test can fail.)
        using (var other = SyntheticData.Create(test: 60, seed: 11))
        {
            var (third, scored) = repo.GetOrCreate(Spec(true), other);
            Assert.NotEqual(info.TestAccuracy, scored.TestAccuracy);
            Assert.Equal(info.CreatedUtc, scored.CreatedUtc);
            Assert.Equal(Evaluation.Run(x => third.call(x), other.TestImages, other.TestLabels).Accuracy, scored.TestAccuracy, 12);
            Assert.Equal(info.TestAccuracy, ModelCheckpoint.TryRead(_dir, Spec(true).Key)!.TestAccuracy); // the file keeps its own
        }

        var weights = ModelCheckpoint.WeightsPath(_dir, Spec(true).Key);
        var bytes = File.ReadAllBytes(weights);
        bytes[^10] ^= 0xFF;
        File.WriteAllBytes(weights, bytes);
        var e = Assert.Throws<InvalidDataException>(() => repo.GetOrCreate(Spec(true), _data));
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains(weights, e.Message);
    }

    private static Dictionary<string, Tensor> Snapshot(ResNet model) =>
        model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

    private static void AssertSame(Dictionary<string, Tensor> a, Dictionary<string, Tensor> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (k, v) in a) Assert.True(v.eq(b[k]).all().item<bool>(), $"{k} changed");
    }

    public void Dispose()
    {
        _data.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
