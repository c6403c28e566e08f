using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Hardware;
using Stitching.Engine.Models;
using Stitching.Engine.Stitches;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Benchmarks;

/// <summary>What the engine benchmark varies beyond the sweep's spec: the baseline's recipe, the cache, where runs go.</summary>
public sealed record EngineBenchmarkOptions(string Out, long CacheMegabytes, int BaselineEpochs, StitchOptimizer BaselineOptimizer, double BaselineLearningRate, bool SkipNoiseFloor);

/// <summary>
/// The engine benchmark behind <c>bench</c>: this machine's matmul peaks and suffix-pass throughput, then one sweep by
/// the optimized engine, by the engine on the baseline's recipe, and by the straightforward baseline (twice, with
/// different stitch seeds: the noise floor), with FLOP counts (<see cref="BenchmarkFlops"/>), peak memory
/// (<see cref="PeakRss"/>) and the per-cell agreement; returns the figures for the caller to print and write.
/// </summary>
public static class EngineBenchmark
{
    public static Dictionary<string, object?> Run(SweepSpec spec, SweepData data, ModelRepository models, Device device, DatasetInfo dataset,
        EngineBenchmarkOptions options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var plan = SweepPlan.Create(spec);
        var tasks = plan.Stitches.ToList();
        var logger = loggers.CreateLogger(typeof(EngineBenchmark));
        void Log(string m) => logger.LogInformation("{Line}", m);
        var report = new Dictionary<string, object?>
        {
            ["device"] = device.type.ToString().ToLowerInvariant(),
            ["hardware"] = HardwareDescription.Of(device),
            ["nativeBf16"] = Precision.HasFastBFloat16(device),
            ["isa"] = CpuFeatures.Current.Isa,
            ["kernels"] = Kernels.KernelGuard.Summary,
            ["bf16Choice"] = device.type == DeviceType.CPU ? Kernels.Bf16Choice.Current : null,
            ["threads"] = get_num_threads(),
            ["stitches"] = tasks.Count,
            ["trainImages"] = data.TrainImages.shape[0],
            ["testImages"] = data.TestImages.shape[0],
            ["provenance"] = EngineProvenance.Capture(device, Precision.Resolve(spec.Stitch.Precision, device)),
        };

        // Only the precisions the engine may use here: bf16 where it is native, or where --precision bf16 forces it.
        var enginePrecision = Precision.Resolve(spec.Stitch.Precision, device);
        var measureBf16 = Precision.HasFastBFloat16(device) || enginePrecision == ScalarType.BFloat16;
        ScalarType[] precisions = measureBf16 ? [ScalarType.Float32, ScalarType.BFloat16] : [ScalarType.Float32];
        Log($"Measuring matmul peak ({string.Join(", ", precisions.Select(Precision.Name))}) on {HardwareDescription.Of(device)}...");
        var peak32 = MatmulPeak.Measure(ScalarType.Float32, device);
        double? peak16 = measureBf16 ? MatmulPeak.Measure(ScalarType.BFloat16, device) : null;
        report["peakGflopsFp32"] = Math.Round(peak32, 1);
        report["peakGflopsBf16"] = peak16 is { } p16 ? Math.Round(p16, 1) : null;
        Log($"  fp32 {peak32:F0} GFLOP/s" + (peak16 is { } b ? $", bf16 {b:F0} GFLOP/s" : ", bf16 not measured (not native on this CPU: the engine runs fp32)"));
        double PeakOf(ScalarType t) => t == ScalarType.BFloat16 && peak16 is { } p ? p : peak32;

        var receiverArch = plan.Pairs[0].ReceiverArch;
        Log($"Suffix pass throughput by rows per pass ({receiverArch.Name} from the stem, forward + input gradients)...");
        var passes = SuffixPassProbe.Measure(receiverArch, spec.Width, data.Channels, data.Classes, device, [128, 256, 512, 1024], precisions);
        foreach (var p in passes) Log($"  {p.Precision} {p.Layout} {p.Rows,5} rows: {p.ImagesPerSecond:F0} images/s");
        report["suffixPasses"] = passes;

        // Base models first, so neither path is charged for them.
        using (var warm = new StitchEngine(data, models, device, spec.Stitch with { Precision = ComputePrecision.Fp32 }, 0, loggers))
            foreach (var m in plan.Models) warm.Model(m, cancellationToken);

        // The engine's sweep in a fresh folder, timed: the optimized path, and below the same engine on the baseline's recipe.
        EngineRun RunEngine(string folder, StitchSettings stitch)
        {
            var dir = Path.Combine(options.Out, folder);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            var clock = Stopwatch.StartNew();
            using var engine = new StitchEngine(data, models, device, stitch, options.CacheMegabytes * 1024L * 1024L, loggers);
            using var runner = new LocalSweep(engine);
            // A benchmark times the engine: its (often tiny) base models need not beat chance.
            var rows = runner.Run(spec with { Stitch = stitch, AllowChanceModels = true }, dir, cancellationToken: cancellationToken).Results;
            return new EngineRun(rows, clock.Elapsed.TotalSeconds, engine.ComputeType, engine.PeakCachedBytes);
        }

        PeakRss.Reset(); // the probes above held big batches; measure the optimized path's own peak
        Log($"Optimized path: {tasks.Count} stitches...");
        var (optimized, optSeconds, optimizedType, cachedBytes) = RunEngine("optimized", spec.Stitch);
        var peakRssOptimized = PeakRss.Bytes();
        Log($"  {optSeconds:F1} s ({tasks.Count / optSeconds:F2} stitches/s), peak RSS {peakRssOptimized / 1e6:F0} MB");

        // The engine again, with the baseline's recipe (PyTorch init, the baseline's epochs, no held-out checks, the
        // same stitch and shuffle seeds as the baseline's first run): what the engine's own speed-ups (cache, bf16,
        // channels-last, batched suffix passes) give with nothing else changed, and whether they change the matrices.
        var baselineSettings = spec.Stitch with
        {
            Epochs = options.BaselineEpochs, Init = StitchInit.Default, Precision = ComputePrecision.Fp32,
            Optimizer = options.BaselineOptimizer, LearningRate = options.BaselineLearningRate,
        };
        Log($"Engine with the baseline's recipe: {tasks.Count} stitches...");
        var (recipeRows, recipeSeconds, _, _) = RunEngine("engine-baseline-recipe",
            baselineSettings with { EvalsPerEpoch = 0, Patience = 0, Precision = spec.Stitch.Precision });
        Log($"  {recipeSeconds:F1} s ({tasks.Count / recipeSeconds:F2} stitches/s)");

        var (baseA, baseSeconds) = RunBaseline(data, models, device, tasks, baselineSettings, 0, logger, cancellationToken);
        Log($"Baseline: {baseSeconds:F1} s ({tasks.Count / baseSeconds:F2} stitches/s)");
        IReadOnlyList<double>? baseB = null;
        if (!options.SkipNoiseFloor)
        {
            (baseB, var secondsB) = RunBaseline(data, models, device, tasks, baselineSettings, 1, logger, cancellationToken);
            Log($"Baseline, second stitch seed: {secondsB:F1} s");
        }

        // The optimized run's row of each task, in task order (the runner writes rows in its own order).
        StitchResult RowOf(IReadOnlyList<StitchResult> rows, StitchTask t) => rows.Single(r => r.Variant == t.Variant.Name() && r.SenderLayer == t.SenderLayer
            && r.ReceiverLayer == t.ReceiverLayer && r.SenderArch == t.Sender.Arch && r.ReceiverArch == t.Receiver.Arch);
        var optimizedRows = tasks.Select(t => RowOf(optimized, t)).ToList();
        var opt = optimizedRows.Select(r => r.Accuracy).ToList();
        var same = tasks.Select(t => RowOf(recipeRows, t).Accuracy).ToList();
        static double MeanAbs(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Average();
        static double MaxAbs(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();
        report["optimized"] = new
        {
            seconds = Math.Round(optSeconds, 2), stitchesPerSecond = tasks.Count / optSeconds, precision = Precision.Name(optimizedType),
            layouts = optimized.Select(r => r.Layout).Distinct().ToList(),
            meanEpochs = optimized.Average(r => r.Epochs), peakRssMB = peakRssOptimized / 1e6,
            cacheBudgetMB = options.CacheMegabytes * 1.048576, cachedActivationsMB = cachedBytes / 1e6,
            overheadBeyondCacheMB = (peakRssOptimized - cachedBytes) / 1e6,
        };
        var imagesTrain = data.TrainImages.shape[0];
        var imagesTest = data.TestImages.shape[0];
        var imagesHoldout = data.HoldoutImages.shape[0];
        var epochsRun = tasks.Select((t, k) => (t.Id, optimizedRows[k].Epochs)).DistinctBy(e => e.Id).ToDictionary(e => e.Id, e => e.Epochs);
        var flops = BenchmarkFlops.Count(plan, tasks, t => epochsRun[t.Id], spec, dataset, imagesTrain, imagesHoldout, imagesTest, options.BaselineEpochs);
        report["baseline"] = new
        {
            seconds = Math.Round(baseSeconds, 2), stitchesPerSecond = tasks.Count / baseSeconds, epochs = options.BaselineEpochs, precision = ComputePrecision.Fp32.Name(),
            optimizer = options.BaselineOptimizer, learningRate = options.BaselineLearningRate,
        };
        report["speedup"] = Math.Round(baseSeconds / optSeconds, 2);
        report["engineWithBaselineRecipe"] = new
        {
            seconds = Math.Round(recipeSeconds, 2), speedup = Math.Round(baseSeconds / recipeSeconds, 2), epochs = options.BaselineEpochs,
            precision = Precision.Name(optimizedType),
            meanAbsDiffVsBaseline = MeanAbs(same, baseA), maxAbsDiffVsBaseline = MaxAbs(same, baseA),
            meanAbsDiffVsBaselineSecondSeed = baseB is null ? (double?)null : MeanAbs(same, baseB),
            meanAccuracy = same.Average(),
        };
        report["imagesPerSecond"] = new
        {
            optimized = optimized.Sum(r => r.Epochs) * imagesTrain / optSeconds,
            baseline = (double)tasks.Count * options.BaselineEpochs * imagesTrain / baseSeconds,
        };
        report["flops"] = new
        {
            trainingPerStitch = flops.TrainingPerStitch,
            optimizedTotal = flops.Optimized,
            baselineTotal = flops.Baseline,
            optimizedGflops = flops.Optimized / optSeconds / 1e9,
            optimizedFractionOfPeak = flops.Optimized / optSeconds / 1e9 / PeakOf(optimizedType),
            baselineGflops = flops.Baseline / baseSeconds / 1e9,
            baselineFractionOfPeak = flops.Baseline / baseSeconds / 1e9 / peak32,
            prefixOptimized = flops.PrefixOptimized,
            prefixBaseline = flops.PrefixBaseline,
            senderLayers = plan.Pairs[0].SenderLayers.Count,
            receiverLayers = plan.Pairs[0].ReceiverLayers.Count,
        };
        report["agreement"] = new
        {
            meanAbsDiffOptimizedVsBaseline = MeanAbs(opt, baseA),
            maxAbsDiffOptimizedVsBaseline = MaxAbs(opt, baseA),
            meanAbsDiffBaselineSeeds = baseB is null ? (double?)null : MeanAbs(baseA, baseB),
            maxAbsDiffBaselineSeeds = baseB is null ? (double?)null : MaxAbs(baseA, baseB),
            meanAccuracyOptimized = opt.Average(),
            meanAccuracyBaseline = baseA.Average(),
        };
        // Per cell, so a disagreement can be traced to the cells (and variants) it comes from.
        report["cells"] = tasks.Select((t, k) => new
        {
            variant = t.Variant.Name(), senderLayer = t.SenderLayer, receiverLayer = t.ReceiverLayer, optimized = opt[k], engineWithBaselineRecipe = same[k], baseline = baseA[k],
            baselineSecondSeed = baseB?[k],
        }).ToList();
        report["peakRssMB"] = PeakRss.Bytes() / 1e6;
        report["exampleSweepBound"] = BenchmarkFlops.ExampleSweepBound(spec, dataset, imagesTrain + imagesHoldout, spec.Stitch.HoldoutFraction, PeakOf(enginePrecision), peak32);

        return report;
    }

    private static (IReadOnlyList<double> Accuracies, double Seconds) RunBaseline(SweepData data, ModelRepository models, Device device, IReadOnlyList<StitchTask> tasks,
        StitchSettings settings, int seedOffset, ILogger log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var loaded = new Dictionary<string, ResNet>();
        ResNet Get(ModelSpec s) => loaded.TryGetValue(s.Key, out var m) ? m : loaded[s.Key] = models.GetOrCreate(s, data, cancellationToken: cancellationToken).Model;
        var accuracies = new List<double>();
        foreach (var t in tasks)
        {
            var sender = Get(t.Sender);
            var receiver = Get(t.Receiver);
            using var stitch = Stitch.Create(t.Shape, StitchEngine.StableSeed(t.Id) + seedOffset);
            stitch.to(device);
            var e = BaselineStitchTrainer.Train(sender, sender.LayerIndex(t.SenderLayer), stitch, receiver, receiver.LayerIndex(t.ReceiverLayer),
                data, settings, t.StitchSeed + 7919 * seedOffset, cancellationToken); // offset 0: the engine's seeds
            accuracies.Add(e.Accuracy);
            if (accuracies.Count % 10 == 0) log.LogInformation("  baseline {Done}/{Total}", accuracies.Count, tasks.Count);
        }
        foreach (var m in loaded.Values) m.Dispose();
        return (accuracies, clock.Elapsed.TotalSeconds);
    }

    private sealed record EngineRun(IReadOnlyList<StitchResult> Rows, double Seconds, ScalarType ComputeType, long PeakCachedBytes);

}
