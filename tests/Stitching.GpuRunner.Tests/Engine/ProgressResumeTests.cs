using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Models;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

/// <summary>A stitch group saves its training state at epoch ends; a rerun with the same file resumes there and ends as if never stopped.</summary>
[Trait("Category", "Numerics")]
public sealed class ProgressResumeTests : IDisposable
{
    private readonly ListLogger _log = new();
    private readonly SweepData _data = SyntheticData.Create();
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-resume-").FullName;
    private static readonly ModelSpec Model = new("resnet(1,1,1,1)", 4, "synthetic", 0, true, null, new TrainSettings { Epochs = 2, BatchSize = 50, LearningRate = 0.05 });
    // Two checks per epoch, so the stopping rule's reference and the best weights are both in play when the run is cut.
    private static readonly StitchSettings Recipe = new() { Epochs = 8, BatchSize = 50, EvalsPerEpoch = 2, Patience = 6, Precision = ComputePrecision.Fp32 };

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the rule fires early (no check counts as a gain) and the cut falls inside the decay that follows it
    public void A_group_stopped_after_some_epochs_resumes_from_its_progress_file_and_ends_as_an_uninterrupted_run(bool decaying)
    {
        // Given a group of two stitches trained once without interruption
        var recipe = decaying ? Recipe with { Patience = 0.5, MinGainStandardErrors = 10, AnnealEpochs = 4 } : Recipe;
        using var engine = new StitchEngine(_data, new ModelRepository(_dir, CPU), CPU, recipe, 1L << 30, _log.Factory) { ProgressInterval = TimeSpan.Zero };
        var tasks = new[] { Task("1.0"), Task("2.0") };
        var uninterrupted = engine.TrainGroup(tasks, recipe);
        if (decaying) Assert.All(uninterrupted, r => Assert.True(r.Result.Converged && r.Result.Epochs < 3 + recipe.AnnealEpochs, $"fired after the cut at epoch 3: {r.Result.Epochs} epochs"));

        // When the same group is trained with a progress file and cancelled after its third epoch, then run again with that file
        var file = Path.Combine(_dir, "progress", "group.bin");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => engine.TrainGroup(tasks, recipe, epoch => { if (epoch == 3) cancel.Cancel(); }, file, cancel.Token));
        Assert.True(File.Exists(file));
        var resumed = engine.TrainGroup(tasks, recipe, progressFile: file);

        // Then the rerun said it resumed after epoch 3, and every result and weight equals the uninterrupted run's
        Assert.Contains(_log.Lines, line => line.Contains($"Resumed from {file} after epoch 3", StringComparison.Ordinal));
        for (var k = 0; k < tasks.Length; k++)
        {
            var (a, b) = (uninterrupted[k].Result, resumed[k].Result);
            Assert.Equal(a.Accuracy, b.Accuracy);
            Assert.Equal(a.Loss, b.Loss);
            Assert.Equal(a.Epochs, b.Epochs);
            Assert.Equal(a.Converged, b.Converged);
            Assert.Equal<CurvePoint>(a.Curve!, b.Curve!);
            var weights = resumed[k].Stitch.state_dict();
            foreach (var (name, w) in uninterrupted[k].Stitch.state_dict())
                Assert.True(w.eq(weights[name]).all().item<bool>(), $"stitch {tasks[k].SenderLayer}: {name} differs");
        }
        foreach (var (_, stitch) in uninterrupted.Concat(resumed)) stitch.Dispose();
    }

    [Fact]
    public void A_progress_file_of_other_settings_is_not_resumed_from()
    {
        // Given a progress file saved by a group that was stopped after its first epoch
        using var engine = new StitchEngine(_data, new ModelRepository(_dir, CPU), CPU, Recipe, 1L << 30, _log.Factory) { ProgressInterval = TimeSpan.Zero };
        var tasks = new[] { Task("1.0") };
        var file = Path.Combine(_dir, "progress", "group.bin");
        using var cancel = new CancellationTokenSource();
        Assert.ThrowsAny<OperationCanceledException>(() => engine.TrainGroup(tasks, Recipe, _ => cancel.Cancel(), file, cancel.Token));

        // When the group is trained with another learning rate and the same file
        var other = engine.TrainGroup(tasks, Recipe with { LearningRate = 0.002, Epochs = 2 }, progressFile: file);

        // Then it started afresh
        Assert.DoesNotContain(_log.Lines, line => line.Contains("Resumed from", StringComparison.Ordinal));
        Assert.Equal(2, other[0].Result.Epochs, 3);
        other[0].Stitch.Dispose();
    }

    private static StitchTask Task(string senderLayer)
    {
        var arch = Stitching.Domain.Architectures.ResNetSpec.Parse(Model.Arch);
        var plan = PairPlan.Create(new SweepSpec { Width = 4 }, arch, arch, [Variant.TrainedToTrained]);
        return new StitchTask(Variant.TrainedToTrained, Model, senderLayer, Model, "3.0",
            StitchShape.Between(plan.SenderLayers.Single(l => l.Name == senderLayer), plan.ReceiverLayers.Single(l => l.Name == "3.0")), 0);
    }

    public void Dispose()
    {
        _data.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
