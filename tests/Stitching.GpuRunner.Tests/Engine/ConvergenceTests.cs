using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Models;
using Stitching.Engine.Stitches;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

/// <summary>The held-out stopping rule: a paired test on per-image losses decides convergence, the cap does not.</summary>
public sealed class ConvergenceTests : IDisposable
{
    private readonly SweepData _data = SyntheticData.Create();
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-convergence-").FullName;

    [Fact]
    public void A_consistent_drop_of_the_per_image_loss_is_a_gain_and_the_same_losses_or_zero_mean_noise_are_not()
    {
        var random = new Random(3);
        var reference = Enumerable.Range(0, 300).Select(_ => (float)(random.NextDouble() * 2)).ToArray();
        var lower = reference.Select(x => x - 0.01f * (1 + (float)random.NextDouble())).ToArray();
        var noisy = reference.Select(x => x + (float)(random.NextDouble() - 0.5) * 0.2f).ToArray();
        var noisyMean = noisy.Zip(reference, (a, b) => a - b).Average();

        Assert.True(StitchGroupTrainer.SignificantlyLower(lower, reference, 2));
        Assert.False(StitchGroupTrainer.SignificantlyLower(reference, reference, 2));
        Assert.False(StitchGroupTrainer.SignificantlyLower(reference, lower, 2));
        // Zero-mean noise of +-0.1 per image: the mean difference stays within 2 standard errors (about 0.0067 on 300 images).
        Assert.InRange(noisyMean, -0.0067, 0.0067);
        Assert.False(StitchGroupTrainer.SignificantlyLower(noisy, reference, 2));
        Assert.Throws<ArgumentException>(() => StitchGroupTrainer.SignificantlyLower(lower.Take(10).ToArray(), reference, 2));
    }

    [Fact]
    public void A_stitch_with_room_to_train_stops_by_the_rule_before_a_high_cap_and_one_cut_by_a_low_cap_is_not_converged()
    {
        var (engine, task, recipe) = Setup();
        using var _ = engine;

        var free = engine.TrainGroup([task], recipe with { Epochs = 200 })[0].Result;
        var capped = engine.TrainGroup([task], recipe with { Epochs = 1, Patience = 1000 })[0].Result;

        Assert.True(free.Converged, $"ran {free.Epochs} epochs");
        Assert.InRange(free.Epochs, 1, 199);
        Assert.False(capped.Converged);
        Assert.Equal(1, capped.Epochs, 3);
    }

    [Theory]
    [InlineData(6, 4, 4)]   // the report's 1,350 images in batches of 256: 4 checks, not the 6 a check every max(1, 6 / 4) steps made
    [InlineData(3, 4, 3)]   // fewer steps than asked: one check per step
    [InlineData(40, 4, 4)]
    public void Checks_come_exactly_the_asked_number_of_times_an_epoch_the_last_at_its_end(long stepsPerEpoch, int evals, int expected)
    {
        for (var epoch = 0; epoch < 3; epoch++)
        {
            var steps = Enumerable.Range(1, (int)stepsPerEpoch).Select(p => epoch * stepsPerEpoch + p).ToList();
            Assert.Equal(expected, steps.Count(s => TrainingLoop.IsCheckStep(s, stepsPerEpoch, evals)));
            Assert.True(TrainingLoop.IsCheckStep(steps[^1], stepsPerEpoch, evals), "the last step of an epoch is checked");
        }
        Assert.False(TrainingLoop.IsCheckStep(5, stepsPerEpoch, 0));
    }

    [Fact]
    public void Patience_is_counted_in_epochs_of_checks_whatever_an_epoch_holds()
    {
        Assert.Equal(8, TrainingLoop.PatienceChecks(2, TrainingLoop.ChecksPerEpoch(6, 4)));
        Assert.Equal(6, TrainingLoop.PatienceChecks(2, TrainingLoop.ChecksPerEpoch(3, 4)));
        Assert.Equal(2, TrainingLoop.PatienceChecks(0.5, 4));
        Assert.Equal(1, TrainingLoop.PatienceChecks(0.1, 4));
        Assert.Equal(0, TrainingLoop.PatienceChecks(0, 4));
        Assert.Equal(0, TrainingLoop.PatienceChecks(2, 0));
    }

    [Fact]
    public void The_decay_after_the_rule_fires_spans_the_asked_epochs_and_falls_from_the_rate_it_fired_at_to_zero()
    {
        Assert.Equal(12, TrainingLoop.AnnealSteps(2, 6));
        Assert.Equal(1, TrainingLoop.AnnealSteps(0.01, 6));
        Assert.Equal(0, TrainingLoop.AnnealSteps(0, 6));
        Assert.Equal(1, TrainingLoop.AnnealFactor(0, 12), 12);
        Assert.Equal(0.5, TrainingLoop.AnnealFactor(6, 12), 12);
        Assert.Equal(0, TrainingLoop.AnnealFactor(12, 12), 12);
        Assert.Equal(0, TrainingLoop.AnnealFactor(20, 12), 12);
        var factors = Enumerable.Range(0, 13).Select(s => TrainingLoop.AnnealFactor(s, 12)).ToList();
        Assert.True(factors.Zip(factors.Skip(1)).All(p => p.Second < p.First), "the rate only falls");
    }

    [Fact]
    public void Once_the_rule_fires_the_learning_rate_falls_from_its_level_there_to_zero_over_the_decay_and_then_the_member_stops()
    {
        // Given one member whose held-out loss never changes (so the rule fires right after patience), 4 steps and 2 checks
        // an epoch, no warm-up, a 10-epoch cosine schedule, patience 1 epoch and a 2-epoch decay (8 steps)
        using var layer = nn.Linear(2, 1);
        optim.Optimizer? optimizer = null;
        var rates = new List<double>();
        var settings = new LoopSettings(Epochs: 10, BatchSize: 2, LearningRate: 0.1, WarmupSteps: 0) { EvalsPerEpoch = 2, Patience = 1, AnnealEpochs = 2 };

        // When it trains, recording the learning rate each step ran at
        var result = TrainingLoop.Run([layer], _ => optimizer = optim.SGD(layer.parameters(), 0.1), 8, CPU, settings, 0,
            (idx, _, _) =>
            {
                rates.Add(optimizer!.ParamGroups.First().LearningRate);
                var loss = layer.call(ones(idx.shape[0], 2)).sum() * 0;
                loss.backward();
                return loss;
            },
            active => active.Select(_ => new HoldoutScore(1, 0.5, [1f, 1f, 1f, 1f])).ToList());

        // Then the first 4 steps follow the schedule; the rule fires at the check after step 4 (2 checks without a gain
        // after the start), and the next 8 steps fall from the schedule's rate at step 4 by half a cosine, above zero; the
        // member stops at the check after them: 12 steps, 3 epochs, converged with no gain
        var schedule = Enumerable.Range(0, 4).Select(s => 0.1 * LearningRateSchedule.Factor(s, 40, 0)).ToList();
        Assert.Equal(12, rates.Count);
        Assert.Equal(schedule, rates.Take(4).ToList(), new Tolerance());
        var fired = 0.1 * LearningRateSchedule.Factor(4, 40, 0);
        var decay = rates.Skip(4).ToList();
        Assert.Equal(Enumerable.Range(0, 8).Select(s => fired * TrainingLoop.AnnealFactor(s, 8)).ToList(), decay, new Tolerance());
        Assert.Equal(fired, decay[0], 12);
        Assert.True(decay.Zip(decay.Skip(1)).All(p => p.Second < p.First) && decay[^1] > 0, string.Join(", ", decay));
        var member = result.Members.Single();
        Assert.Equal(3, member.Epochs, 9);
        Assert.Equal(StopReason.NoGain, member.Stop);
        Assert.True(member.Converged);
    }

    private sealed class Tolerance : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) < 1e-12;
        public int GetHashCode(double x) => 0;
    }

    [Fact]
    public void A_stitch_the_rule_stops_decays_for_the_asked_epochs_first_and_both_say_converged()
    {
        // Given the same stitch, batches and schedule, stopped where the rule fires or after a 2-epoch decay from there
        var (engine, task, recipe) = Setup();
        using var _ = engine;

        // When both train with room to spare
        var atOnce = engine.TrainGroup([task], recipe with { Epochs = 200, AnnealEpochs = 0 })[0].Result;
        var decayed = engine.TrainGroup([task], recipe with { Epochs = 200, AnnealEpochs = 2 })[0].Result;

        // Then both converged, and the decayed one ran the decay's 2 epochs more (it stops at a check: 4 an epoch)
        Assert.Equal(StopReason.Converged, atOnce.Stop);
        Assert.Equal(StopReason.Converged, decayed.Stop);
        Assert.InRange(decayed.Epochs - atOnce.Epochs, 2, 2.25 + 1e-9);
    }

    [Fact]
    public void The_stop_reason_says_which_rule_ended_each_stitch()
    {
        // Given one stitch with room to train, and the same stitch with no learning rate (nothing can beat its start)
        var (engine, task, recipe) = Setup();
        using var _ = engine;

        // When it trains freely, to a low cap, unchecked, and frozen at its start
        var free = engine.TrainGroup([task], recipe with { Epochs = 200 })[0].Result;
        var capped = engine.TrainGroup([task], recipe with { Epochs = 1, Patience = 1000 })[0].Result;
        var unchecked_ = engine.TrainGroup([task], recipe with { Epochs = 1, EvalsPerEpoch = 0, Patience = 0 })[0].Result;
        var frozen = engine.TrainGroup([task], recipe with { Epochs = 10, LearningRate = 0, Patience = 1, AnnealEpochs = 0 })[0].Result;

        // Then each row says which rule decided, and results.csv keeps it
        Assert.Equal(StopReason.Converged, free.Stop);
        Assert.Equal(StopReason.Cap, capped.Stop);
        Assert.Equal(StopReason.Unchecked, unchecked_.Stop);
        Assert.Equal(StopReason.NoGain, frozen.Stop);
        Assert.True(frozen.Converged, "the rule fired");
        Assert.InRange(frozen.Epochs, 1, 3);
        var csv = new StringWriter();
        ResultsCsv.Write(csv, [free, capped, unchecked_, frozen]);
        Assert.Equal([StopReason.Converged, StopReason.Cap, StopReason.Unchecked, StopReason.NoGain],
            ResultsCsv.Read(new StringReader(csv.ToString())).Select(r => r.Stop));
    }

    [Fact]
    public void A_trained_stitch_records_its_held_out_curve_from_the_initialization_to_where_it_stopped()
    {
        // Given a stitch trained for up to 20 epochs with 4 held-out checks each (81 checks if it never stops)
        var (engine, task, recipe) = Setup();
        using var _ = engine;

        // When it trains, and once more with nothing checked
        var result = engine.TrainGroup([task], recipe with { Epochs = 20, Patience = 1000 })[0].Result;
        var noChecks = engine.TrainGroup([task], recipe with { Epochs = 1, EvalsPerEpoch = 0, Patience = 0 })[0].Result;

        // Then its curve runs from epoch 0 to the last epoch trained, thinned to a plot's worth of real held-out numbers
        var curve = result.Curve!;
        Assert.Equal(TrainingCurve.MaxPoints, curve.Count);
        Assert.Equal(0, curve[0].Epoch);
        Assert.Equal(result.Epochs, curve[^1].Epoch, 3);
        Assert.True(curve.Zip(curve.Skip(1)).All(p => p.Second.Epoch > p.First.Epoch));
        Assert.All(curve, p => Assert.InRange(p.Accuracy, 0, 1));
        Assert.All(curve, p => Assert.True(double.IsFinite(p.Loss) && p.Loss > 0));
        Assert.True(curve.Min(p => p.Loss) < curve[0].Loss, "training lowered the held-out loss");
        Assert.Null(noChecks.Curve);
    }

    private (StitchEngine Engine, StitchTask Task, StitchSettings Recipe) Setup()
    {
        var model = new ModelSpec("resnet(1,1,1,1)", 4, "synthetic", 0, true, null, new TrainSettings { Epochs = 2, BatchSize = 50, LearningRate = 0.05 });
        var plan = PairPlan.Create(new SweepSpec { Width = 4 }, Stitching.Domain.Architectures.ResNetSpec.Parse(model.Arch), Stitching.Domain.Architectures.ResNetSpec.Parse(model.Arch), [Variant.TrainedToTrained]);
        var task = new StitchTask(Variant.TrainedToTrained, model, "2.0", model, "3.0",
            StitchShape.Between(plan.SenderLayers.Single(l => l.Name == "2.0"), plan.ReceiverLayers.Single(l => l.Name == "3.0")), 0);
        var recipe = new StitchSettings { Init = StitchInit.Default, Precision = ComputePrecision.Fp32, BatchSize = 50, LearningRate = 0.01, Patience = 4 };
        return (new StitchEngine(_data, new ModelRepository(_dir, CPU), CPU, recipe, 1L << 30), task, recipe);
    }

    public void Dispose()
    {
        _data.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
