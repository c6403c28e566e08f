using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Engine.Models;
using Stitching.Engine.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

public sealed class ProvenanceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-provenance-").FullName;

    [Fact]
    public void The_engine_fills_the_record_from_the_loaded_assemblies_and_this_checkout()
    {
        // When the engine captures its provenance on the CPU
        var provenance = EngineProvenance.Capture(CPU, ScalarType.Float32);

        // Then it names the TorchSharp assembly this process loaded, the libtorch package, this checkout's commit and the device
        Assert.Equal(typeof(TorchSharp.torch).Assembly.GetName().Version!.ToString(), provenance.TorchSharp);
        Assert.StartsWith("libtorch-", provenance.LibTorch);
        Assert.Matches("^[0-9a-f]{40}$", provenance.Commit);
        Assert.Equal(("cpu", "fp32"), (provenance.Device, provenance.Precision));
        Assert.NotEmpty(provenance.Hardware);
        Assert.Matches("^[0-9a-f]{12}$", provenance.Id);
        Assert.Same(provenance, EngineProvenance.Find(provenance.Id));
    }

    [Fact]
    public void A_sweeps_rows_models_and_manifest_carry_the_same_provenance_id()
    {
        // Given a tiny fp32 sweep on the CPU
        using var data = SyntheticData.Create(train: 100, holdout: 20, test: 50);
        var spec = new SweepSpec
        {
            AllowChanceModels = true, // deliberately tiny base models: what is tested is the pipeline, not their accuracy
            Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], Width = 4, Dataset = "synthetic", Variants = ["trained->trained"],
            SenderLayers = ["stem", "2.0"], ReceiverLayers = ["3.0"],
            Model = new TrainSettings { Epochs = 1, BatchSize = 50 },
            Stitch = new StitchSettings { Epochs = 1, BatchSize = 64, Precision = ComputePrecision.Fp32 },
        };
        var outDir = Path.Combine(_dir, "out");
        using var engine = new StitchEngine(data, new ModelRepository(Path.Combine(_dir, "models"), CPU), CPU, spec.Stitch, 1L << 30);

        // When it runs
        using var runner = new LocalSweep(engine);
        var rows = runner.Run(spec, outDir).Results;

        // Then sweep.json holds the record once, and every result row, file row and model row refers to it
        var manifest = SweepManifest.Read(outDir)!;
        var id = manifest.Provenance!.Id;
        Assert.Equal(engine.Provenance, manifest.Provenance);
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(id, r.ProvenanceId));
        Assert.All(ResultsCsv.ReadFile(Path.Combine(outDir, ResultsCsv.FileName)), r => Assert.Equal(id, r.ProvenanceId));
        Assert.All(ModelsCsv.ReadFile(Path.Combine(outDir, ModelsCsv.FileName)), m => Assert.Equal(id, m.ProvenanceId));
        Assert.All(Directory.GetFiles(Path.Combine(_dir, "models"), "*.json"),
            meta => Assert.Equal(id, ModelCheckpoint.TryRead(Path.GetDirectoryName(meta)!, Path.GetFileNameWithoutExtension(meta))!.Provenance!.Id));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
