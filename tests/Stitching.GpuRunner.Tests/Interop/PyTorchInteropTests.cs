using System.Globalization;
using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Data;
using Stitching.Engine.Interop;
using Stitching.Engine.Models;
using Stitching.Engine.Stitches;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Interop;

/// <summary>
/// Networks the engine trained, exported as safetensors and rebuilt by python/stitching_torch in a real PyTorch (Debian's
/// python3-torch 1.13 in CI): skipped where python3 with torch is missing, failed under CI=true.
/// </summary>
public sealed class PyTorchInteropTests(ITestOutputHelper output) : IDisposable
{
    // Tolerance on logits (and stitch outputs) between libtorch 2.10 (the engine, channels-last where its policy chooses)
    // and PyTorch 1.13 (NCHW): the same fp32 operations with different kernels and summation orders; measured at most
    // 7.2e-7 on these networks (Zen 4).
    private const float OutputTolerance = 1e-4f;
    private const int TestLimit = 500;

    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-torch-").FullName;

    [FashionMnistFact]
    public async Task A_base_model_and_a_stitched_network_score_in_PyTorch_exactly_as_in_the_engine()
    {
        Requirement.PyTorchInstalled();
        var folder = Requirement.FashionMnist();
        // Given a tiny fp32 sweep on a Fashion-MNIST subset, one sender layer into a wider and a narrower receiver layer
        // (an upsampling and a strided stitch), whose local run keeps its trained stitches
        using var dataset = DatasetLoader.Load(new DatasetOptions { Folder = folder, TrainLimit = 1000, TestLimit = TestLimit, ValidationFraction = 0.1 });
        using var data = SweepData.From(dataset, CPU);
        var spec = new SweepSpec
        {
            AllowChanceModels = true, // tiny base models: what is tested is that both sides compute the same network
            Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], Width = 4, Dataset = DatasetOptions.FashionMnist,
            TrainLimit = 1000, TestLimit = TestLimit, Variants = ["trained->trained"], SenderLayers = ["2.0"], ReceiverLayers = ["1.0", "3.0"],
            Model = new TrainSettings { Epochs = 2, BatchSize = 50 },
            Stitch = new StitchSettings { Epochs = 1, BatchSize = 64, Precision = ComputePrecision.Fp32 },
        };
        var modelsDir = Path.Combine(_dir, "models");
        var outDir = Path.Combine(_dir, "sweep");
        using var engine = new StitchEngine(data, new ModelRepository(modelsDir, CPU), CPU, spec.Stitch, 1L << 30);
        var rows = new LocalSweep(engine).Run(spec, outDir).Results;
        var tasks = SweepPlan.Create(spec).StitchJobs.SelectMany(j => j.Tasks()).ToList();
        Assert.Equal(["upsample2+conv1x1", "conv2x2s2"], tasks.Select(t => t.Shape.KindName));

        // When the CLI exports the sweep's base models beside its stitches, and python3 evaluates them on the same --test-limit
        // subset (stitching_torch draws it as the engine does; equal logits image by image below say it is the same images in order)
        var (exitCode, exportOutput) = await GpuRunnerDll.RunAsync(GpuRunnerDll.Start("export-model", "--sweep", outDir, "--models-dir", modelsDir), TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, exportOutput);
        string Exported(ModelSpec m) => Path.Combine(outDir, "models", m.Key + SafeTensorsFile.Extension);
        var (sender, receiver) = (tasks[0].Sender, tasks[0].Receiver);

        // Then the base model's accuracy is the engine's (models.csv, this run's test subset) and its logits agree
        var senderModel = engine.Model(sender).Model;
        var (accuracy, logits) = await EvaluateInPythonAsync(Exported(sender));
        output.WriteLine($"sender: engine {engine.Model(sender).Info.TestAccuracy:R}, PyTorch {accuracy:R}");
        Assert.Equal(engine.Model(sender).Info.TestAccuracy, accuracy);
        Assert.Equal(ModelsCsv.ReadFile(Path.Combine(outDir, SweepOutputs.ModelsFile)).Single(m => m.Trained && m.Seed == sender.Seed).Accuracy, accuracy);
        AssertClose(EngineOutputs(x => senderModel.call(x), data.TestImages), logits);

        // And each stitched network's accuracy is its row's in results.csv; the engine reads the kept stitch back to the same logits
        var receiverModel = engine.Model(receiver).Model;
        foreach (var task in tasks)
        {
            var stitchFile = SweepOutputs.StitchFile(outDir, task);
            var (stitchedAccuracy, stitchedLogits) = await EvaluateInPythonAsync(Exported(sender), "--stitch", stitchFile, "--receiver", Exported(receiver));
            output.WriteLine($"{task.Shape.KindName}: engine {rows.Single(r => r.ReceiverLayer == task.ReceiverLayer).Accuracy:R}, PyTorch {stitchedAccuracy:R}");
            Assert.Equal(rows.Single(r => r.ReceiverLayer == task.ReceiverLayer).Accuracy, stitchedAccuracy);
            using var stitch = TorchExport.ReadStitch(stitchFile);
            var (i, j) = (senderModel.LayerIndex(task.SenderLayer), receiverModel.LayerIndex(task.ReceiverLayer));
            AssertClose(EngineOutputs(x => receiverModel.ForwardSuffix(stitch.call(senderModel.ForwardPrefix(x, i)), j), data.TestImages), stitchedLogits);
        }
    }

    [SkippableFact]
    public async Task A_stitch_with_batch_norms_loads_strictly_in_PyTorch_and_computes_what_the_engine_computes()
    {
        Requirement.PyTorchInstalled();
        // Given a strided stitch with batch norms around its conv whose statistics moved away from their defaults, and an input
        var model = new ModelSpec("resnet(1,1,1,1)", 4, DatasetOptions.FashionMnist, 0, true, null, new TrainSettings());
        var shape = new StitchShape(StitchKind.StridedConv, 2, 8, 16, 16, 8, BatchNorm: true);
        using var stitch = Stitch.Create(shape, 5);
        using var x = randn(4, 8, 16, 16); // (B, C, S, S)
        stitch.train();
        using (no_grad()) stitch.call(x).Dispose();
        stitch.eval();
        var stitchFile = Path.Combine(_dir, "bn.safetensors");
        var inputFile = Path.Combine(_dir, "x.safetensors");
        TorchExport.WriteStitch(stitchFile, stitch, new StitchTask(Variant.TrainedToTrained, model, "2.0", model with { Seed = 1 }, "3.0", shape, 0));
        SafeTensorsFile.Write(inputFile, [("x", x)], new Dictionary<string, string>());

        // When stitching_torch loads it (strict: every key, no other) and runs it on the same input
        var outputFile = Path.Combine(_dir, "y.f32");
        var (exitCode, output) = await GpuRunnerDll.RunAsync(PyTorch.Start("-c",
            "import sys, torch; from stitching_torch import load_stitch, read_safetensors; " +
            "s = load_stitch(sys.argv[1]); x = read_safetensors(sys.argv[2])[0]['x']; " +
            "open(sys.argv[3], 'wb').write(s(x).detach().contiguous().numpy().astype('<f4').tobytes())",
            stitchFile, inputFile, outputFile), TimeSpan.FromMinutes(1));

        // Then its output is the engine's
        Assert.True(exitCode == 0, output);
        var bytes = File.ReadAllBytes(outputFile);
        var python = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, python, 0, bytes.Length);
        AssertClose(EngineOutputs(t => stitch.call(t), x), python);
    }

    [Fact]
    public async Task Export_of_a_missing_checkpoint_fails_with_a_clear_message_and_writes_no_file()
    {
        var outDir = Path.Combine(_dir, "exported");

        var (exitCode, output) = await GpuRunnerDll.RunAsync(
            GpuRunnerDll.Start("export-model", "--model", "resnet1-1-1-1-w4-nope", "--models-dir", _dir, "--out", outDir), TimeSpan.FromMinutes(1));

        Assert.Equal(2, exitCode);
        Assert.Contains("No checkpoint resnet1-1-1-1-w4-nope", output);
        Assert.False(Directory.Exists(outDir) && Directory.EnumerateFileSystemEntries(outDir).Any(), "nothing is written for a failed export");
    }

    [Fact]
    public async Task Export_needs_exactly_one_of_a_model_or_a_sweep()
    {
        var (exitCode, output) = await GpuRunnerDll.RunAsync(GpuRunnerDll.Start("export-model", "--out", _dir), TimeSpan.FromMinutes(1));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Give either --model KEY (repeatable) or --sweep DIR.", output);
    }

    private async Task<(double Accuracy, float[] Logits)> EvaluateInPythonAsync(params string[] models)
    {
        var logitsFile = Path.Combine(_dir, $"logits-{Guid.NewGuid():N}.f32");
        var (exitCode, output) = await GpuRunnerDll.RunAsync(
            PyTorch.Start(["-m", "stitching_torch", "evaluate", .. models, "--test-limit", TestLimit.ToString(CultureInfo.InvariantCulture), "--logits-out", logitsFile, "--json"]), TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, output);
        using var result = JsonDocument.Parse(output.Trim().Split('\n')[^1]);
        var bytes = File.ReadAllBytes(logitsFile);
        var logits = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, logits, 0, bytes.Length); // little-endian float32 on both sides (x64)
        return (result.RootElement.GetProperty("accuracy").GetDouble(), logits);
    }

    private static float[] EngineOutputs(Func<Tensor, Tensor> network, Tensor images)
    {
        using var _ = inference_mode();
        using var outputs = network(images).to(ScalarType.Float32).contiguous(); // (N, classes) logits, or a stitch's (N, C, R, R)
        return outputs.data<float>().ToArray();
    }

    private void AssertClose(float[] engine, float[] python)
    {
        Assert.NotEmpty(engine);
        Assert.Equal(engine.Length, python.Length);
        var diff = engine.Zip(python, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max |output difference| engine vs PyTorch: {diff:E2} over {engine.Length} values"));
        Assert.True(diff <= OutputTolerance, $"max |output difference| {diff} exceeds {OutputTolerance}");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
