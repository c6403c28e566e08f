using System.Xml.Linq;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Engine.Models;
using Stitching.Engine.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Rendering;
using Stitching.Reporting.Tables;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

public sealed class SweepEndToEndTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-sweep-").FullName;

    [Fact]
    public async Task A_tiny_sweep_writes_every_output_and_a_rerun_resumes_without_training()
    {
        using var data = SyntheticData.Create(train: 200, holdout: 50, test: 100);
        var spec = new SweepSpec
        {
            AllowChanceModels = true, // deliberately tiny base models: what is tested is the pipeline, not their accuracy
            Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], Width = 4, Dataset = "synthetic",
            Model = new TrainSettings { Epochs = 1, BatchSize = 50 },
            Stitch = new StitchSettings { Epochs = 1, BatchSize = 64, Precision = ComputePrecision.Fp32 },
        };
        var outDir = Path.Combine(_dir, "out");
        using var engine = new StitchEngine(data, new ModelRepository(Path.Combine(_dir, "models"), CPU), CPU, spec.Stitch, 1L << 30);

        var rows = new LocalSweep(engine).Run(spec, outDir).Results;

        Assert.Equal(4 * 5 * 5, rows.Count); // 4 variants x 5 sender layers x 5 receiver layers
        Assert.All(rows, r => Assert.InRange(r.Accuracy, 0, 1));
        var csv = ResultsCsv.ReadFile(Path.Combine(outDir, "results.csv"));
        Assert.Equal(rows.Count, csv.Count);
        Assert.Equal(4, ModelsCsv.ReadFile(Path.Combine(outDir, "models.csv")).Count);
        foreach (var v in new[] { "trained-trained", "random-trained", "trained-random", "random-random" })
        {
            var m = MatrixJson.ReadFile(Path.Combine(outDir, $"matrix-{v}.json"));
            Assert.Equal(5, m.SenderLayers.Count);
            Assert.All(m.Values, row => Assert.All(row, cell => Assert.NotNull(cell)));
            Png.AssertDrawnFile(Path.Combine(outDir, $"matrix-{v}.png"));
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(outDir, $"matrix-{v}.svg")));
        }
        Png.AssertDrawnFile(Path.Combine(outDir, "matrices.png"));

        // Only the last receiver layer is followed by the head alone; it is marked in results.csv and every matrix.
        Assert.All(csv, r => Assert.Equal(r.ReceiverLayer == "4.0", r.HeadOnly));
        var raw = MatrixJson.ReadFile(Path.Combine(outDir, "matrix-trained-trained.json"));
        var control = MatrixJson.ReadFile(Path.Combine(outDir, "matrix-random-random.json"));
        foreach (var v in new[] { "trained-trained", "trained-random", "random-trained" })
        {
            var difference = MatrixJson.ReadFile(Path.Combine(outDir, $"matrix-{v}-minus-random-random.json"));
            Assert.Equal(["4.0"], difference.HeadOnlyColumns);
            Png.AssertDrawnFile(Path.Combine(outDir, $"matrix-{v}-minus-random-random.png"));
            if (v != "trained-trained") continue;
            for (var i = 0; i < 5; i++)
            for (var j = 0; j < 5; j++)
                Assert.Equal(raw.Values[i][j]!.Value - control.Values[i][j]!.Value, difference.Values[i][j]!.Value, 12);
        }
        Assert.Equal(["4.0"], raw.HeadOnlyColumns);
        // Each cell's 95% Wilson interval from the 100 test images, in results.csv and in the accuracy matrices.
        Assert.All(csv, r => Assert.Equal(100, r.TestImages));
        Assert.All(csv, r => Assert.Equal(WilsonInterval.Of(r.Accuracy, 100), (r.AccuracyLow, r.AccuracyHigh)));
        for (var i = 0; i < 5; i++)
        for (var j = 0; j < 5; j++)
        {
            Assert.InRange(raw.Values[i][j]!.Value, raw.Low![i][j]!.Value, raw.High![i][j]!.Value);
            Assert.InRange(raw.High[i][j]!.Value - raw.Low[i][j]!.Value, 0.03, 0.2); // about 2 * 1.96 * sqrt(p(1-p)/100)
        }
        Png.AssertDrawnFile(Path.Combine(outDir, "matrices-minus-control.png"));

        Assert.True(File.Exists(Path.Combine(outDir, "sweep.json")));
        // Every trained stitch is kept beside its row, as safetensors (python/stitching_torch reads them).
        Assert.Equal(rows.Count, Directory.GetFiles(Path.Combine(outDir, SweepOutputs.StitchesFolder), "*.safetensors").Length);
        // results.parquet: the long table of the same rows, every sweep setting beside each; the folder reads back as a sweep named "out".
        var (columns, rowCount) = await ParquetShapeAsync(Path.Combine(outDir, "results.parquet"));
        Assert.Equal(LongResultsTable.Columns, columns);
        Assert.Equal(rows.Count, rowCount);
        var folder = SweepFolder.Read(outDir);
        Assert.Equal(("out", "synthetic", rows.Count), (folder.SweepId, folder.Spec.Dataset, folder.Rows.Count));
        // curves.csv: every held-out check of every stitch, joined to the long table by stitch_id; drawn as curves.png/.svg.
        var curvesPath = Path.Combine(outDir, "curves.csv");
        var curves = CurvesTable.ReadFile(curvesPath);
        var withCurves = rows.Where(r => r.Curve is { Count: > 0 }).ToList();
        Assert.NotEmpty(withCurves);
        Assert.Equal(withCurves.Count, curves.Count);
        Assert.All(withCurves, r => Assert.Equal(r.Curve, curves[CellKey.Of(r)]));
        Assert.Equal(withCurves.Sum(r => r.Curve!.Count), File.ReadAllLines(curvesPath).Length - 1);
        var stitchIds = await ParquetStringsAsync(Path.Combine(outDir, "results.parquet"), "stitch_id");
        Assert.Equal(rows.Select(CellKey.Of).Order(), stitchIds.Order());
        Assert.Subset(stitchIds.ToHashSet(), curves.Keys.ToHashSet());
        Png.AssertDrawnFile(Path.Combine(outDir, "curves.png"), width: 4 * CurveRenderer.PanelWidth, height: CurveRenderer.PanelHeight, minDrawnFraction: 0.02); // a panel per variant, lines on white
        // Every combined figure also as one SVG document and one PDF (vector, for a paper); single matrices as SVG.
        foreach (var figure in new[] { "matrices", "matrices-minus-control", "matrices-with-controls", "matrix-interaction", "curves" })
            Assert.Equal("svg", XDocument.Load(Path.Combine(outDir, figure + ".svg")).Root!.Name.LocalName);
        foreach (var figure in new[] { "matrices", "matrices-minus-control", "matrices-with-controls", "curves" })
            Assert.StartsWith("%PDF-", System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(Path.Combine(outDir, figure + ".pdf")).AsSpan(0, 5)));
        var curvesBefore = File.ReadAllText(curvesPath);

        var changed = spec with { Stitch = spec.Stitch with { Epochs = 3 } };
        var refused = Assert.Throws<ArgumentException>(() => new LocalSweep(engine).Run(changed, outDir));
        Assert.Contains("different sweep", refused.Message);
        Assert.Contains("stitch.epochs: ", refused.Message); // the setting that differs, named

        var again = new LocalSweep(engine).Run(spec, outDir).Results;
        Assert.Equal(rows.Select(r => (r.Variant, r.SenderLayer, r.ReceiverLayer, r.Accuracy)), again.Select(r => (r.Variant, r.SenderLayer, r.ReceiverLayer, r.Accuracy)));
        // A rerun trains nothing and takes the stored curves back from curves.csv (results.csv has no column for them).
        Assert.Equal(curvesBefore, File.ReadAllText(curvesPath));
    }

    [Fact]
    public void Model_seed_pairs_train_independent_base_models_and_give_each_cell_a_spread_and_the_patterns_a_verdict()
    {
        using var data = SyntheticData.Create(train: 200, holdout: 50, test: 100);
        var spec = new SweepSpec
        {
            AllowChanceModels = true, // deliberately tiny base models: what is tested is the pipeline, not their accuracy
            Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], Width = 4, Dataset = "synthetic",
            SenderLayers = ["stem", "2.0", "4.0"], ReceiverLayers = ["stem", "2.0", "4.0"],
            SenderSeeds = [0, 2], ReceiverSeeds = [1, 3], Variants = ["trained->trained,random->random"],
            Model = new TrainSettings { Epochs = 1, BatchSize = 50 },
            Stitch = new StitchSettings { Epochs = 1, BatchSize = 64, Precision = ComputePrecision.Fp32 },
        };
        var outDir = Path.Combine(_dir, "seeds");
        using var engine = new StitchEngine(data, new ModelRepository(Path.Combine(_dir, "models"), CPU), CPU, spec.Stitch, 1L << 30);

        var rows = new LocalSweep(engine).Run(spec, outDir).Results;

        Assert.Equal(2 * 2 * 3 * 3, rows.Count); // 2 seed pairs x 2 variants x 3 x 3 layers
        Assert.Equal([(0, 1), (2, 3)], rows.Select(r => (r.SenderSeed, r.ReceiverSeed)).Distinct().Order());
        // Two trained and two random models per seed pair, none shared between pairs.
        var models = ModelsCsv.ReadFile(Path.Combine(outDir, "models.csv"));
        Assert.Equal(8, models.Count);
        Assert.Equal(4, models.Where(m => m.Trained).Select(m => m.Seed).Distinct().Count());
        Assert.All(models.Where(m => m.Trained), m => Assert.Single(m.HeldOutCurve)); // one epoch, one held-out point
        Assert.All(models, m => Assert.Equal(200, m.TrainImages)); // the 50 held-out images are not trained on

        var m = MatrixJson.ReadFile(Path.Combine(outDir, "matrix-trained-trained.json"));
        for (var i = 0; i < 3; i++)
        for (var j = 0; j < 3; j++)
        {
            var cell = rows.Where(r => r.Variant == "trained->trained" && r.SenderLayer == m.SenderLayers[i] && r.ReceiverLayer == m.ReceiverLayers[j])
                .Select(r => r.Accuracy).ToList();
            Assert.Equal(2, m.Replicates![i][j]);
            Assert.Equal(cell.Average(), m.Values[i][j]!.Value, 12);
            Assert.Equal(Math.Abs(cell[0] - cell[1]) / Math.Sqrt(2), m.Spread![i][j]!.Value, 12);
        }
        // The control-subtracted matrix carries each cell's spread over the network pairs (the unit of its interval).
        var control = MatrixJson.ReadFile(Path.Combine(outDir, "matrix-trained-trained-minus-random-random.json"));
        Assert.Equal(2, control.Replicates![0][0]);
        Assert.NotNull(control.Spread);
        var patterns = File.ReadAllText(Path.Combine(outDir, "patterns.md"));
        Assert.Contains("trained->trained is higher below the diagonal", patterns);
        Assert.Contains("random->random is uniformly low: below trained->trained and flat", patterns);
        Assert.Contains("Depth-cut sensitivity", patterns);
        Png.AssertDrawnFile(Path.Combine(outDir, "matrices-with-controls.png"));
        // One panel per network pair (seeds 0->1 and 2->3) for each variant, on one scale, as PNG and SVG.
        foreach (var v in new[] { "trained-trained", "random-random" })
        {
            Png.AssertDrawnFile(Path.Combine(outDir, $"matrices-per-seed-{v}.png"));
            var texts = XDocument.Load(Path.Combine(outDir, $"matrices-per-seed-{v}.svg")).Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).ToList();
            Assert.Contains(texts, t => t.EndsWith("seeds 0->1", StringComparison.Ordinal));
            Assert.Contains(texts, t => t.EndsWith("seeds 2->3", StringComparison.Ordinal));
        }
    }

    private static async Task<string[]> ParquetStringsAsync(string path, string column)
    {
        await using var reader = await Parquet.ParquetReader.CreateAsync(path);
        var group = reader.OpenRowGroupReader(0);
        var values = new string[group.RowCount];
        await group.ReadAsync(reader.Schema.DataFields.Single(f => f.Name == column), values.AsMemory()!);
        return values;
    }

    private static async Task<(IReadOnlyList<string> Columns, long Rows)> ParquetShapeAsync(string path)
    {
        await using var reader = await Parquet.ParquetReader.CreateAsync(path);
        return (reader.Schema.DataFields.Select(f => f.Name).ToList(), reader.OpenRowGroupReader(0).RowCount);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
