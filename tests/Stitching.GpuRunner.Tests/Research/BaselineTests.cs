using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Engine.Models;
using Stitching.Engine.Sweeps;
using Stitching.GpuRunner.Tests.Engine;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Research;

/// <summary>The linear-probe and pixel baselines on a tiny synthetic task that a linear readout of the image can solve.</summary>
public sealed class BaselineTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-baselines-").FullName;

    [Fact]
    public void Baselines_train_above_chance_and_head_only_stitches_match_the_probe_of_their_own_readout()
    {
        using var data = SyntheticData.Create(train: 400, holdout: 100, test: 200);
        var spec = new SweepSpec
        {
            AllowChanceModels = true, // deliberately tiny base models: what is tested is the pipeline, not their accuracy
            Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], Width = 4, Dataset = "synthetic", Variants = ["trained->trained"],
            SenderLayers = ["stem", "4.0"], ReceiverLayers = ["stem", "4.0"], Analyses = ["pixels", "probe"],
            Model = new TrainSettings { Epochs = 4, BatchSize = 50, LearningRate = 0.05 },
            Stitch = new StitchSettings { BatchSize = 50, Precision = ComputePrecision.Fp32, Epochs = 20 },
        };
        using var engine = new StitchEngine(data, new ModelRepository(Path.Combine(_dir, "models"), CPU), CPU, spec.Stitch, 1L << 30);
        var log = new ListLogger();
        using var runner = new LocalSweep(engine, log.For<LocalSweep>()) { RenderMetricPngs = false };

        var (results, rows) = runner.Run(spec, Path.Combine(_dir, "out"));

        Assert.Equal(4, rows.Count);
        // Class patterns plus noise: the raw image through a least-squares-started stitch into the head-only column, and the
        // trained sender's last layer through the probe, are far above chance (0.1). (At the stem, pooling leaves 4 numbers
        // per image and a 1x1 stitch from one pixel channel cannot make a 3x3 conv's output: no claim there.)
        Assert.All(rows.Where(r => r.ReceiverLayer == "4.0"), r => Assert.InRange(r.PixelBaselineAccuracy, 0.3, 1));
        Assert.All(rows.Where(r => r.SenderLayer == "4.0"), r => Assert.InRange(r.ProbeAccuracy, 0.3, 1));
        // One pooled probe per sender layer, shared by the row's receiver layers; a strided stitch into the head-only column gets
        // the probe of its own k^2 C readout instead (issue 23.5), and stitch plus head is that same readout, so they are close.
        var stemIntoHead = rows.Single(r => r.SenderLayer == "stem" && r.ReceiverLayer == "4.0");
        Assert.StartsWith("conv8x8s8", results.Single(r => r.SenderLayer == "stem" && r.ReceiverLayer == "4.0").StitchKind, StringComparison.Ordinal);
        Assert.NotEqual(rows.Single(r => r.SenderLayer == "stem" && r.ReceiverLayer == "stem").ProbeAccuracy, stemIntoHead.ProbeAccuracy);
        Assert.InRange(stemIntoHead.TaskAccuracy - stemIntoHead.ProbeAccuracy, -0.15, 0.15);
        Assert.Single(rows.Where(r => r.SenderLayer == "4.0").Select(r => r.ProbeAccuracy).Distinct());
        // 4.0 -> 4.0 is head-only: a 1x1 stitch, pooling and the frozen classifier is itself a linear readout of the
        // pooled features, so it cannot be far from the trained linear probe of the same features.
        var headOnly = rows.Single(r => r.SenderLayer == "4.0" && r.ReceiverLayer == "4.0");
        Assert.True(results.Single(r => r.SenderLayer == "4.0" && r.ReceiverLayer == "4.0").HeadOnly);
        Assert.InRange(headOnly.TaskAccuracy - headOnly.ProbeAccuracy, -0.1, 0.1);
        Assert.True(File.Exists(Path.Combine(_dir, "out", "matrix-trained-trained-probe-accuracy.json")));
        Assert.True(File.Exists(Path.Combine(_dir, "out", "matrix-trained-trained-above-probe.json")));

        // A rerun into the same folder resumes: every stitch's rows are stored, so nothing trains and the same rows come back.
        var before = log.Lines.Count;
        var again = runner.Run(spec, Path.Combine(_dir, "out"));
        Assert.Contains(log.Lines.Skip(before), line => line.StartsWith("Resuming: 4 of 4 stitches", StringComparison.Ordinal));
        Assert.Equal(rows.OrderBy(CellKey.Of), again.Analyses.OrderBy(CellKey.Of));
        Assert.Equal(results.Select(r => (CellKey.Of(r), r.Accuracy)).Order(), again.Results.Select(r => (CellKey.Of(r), r.Accuracy)).Order());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
