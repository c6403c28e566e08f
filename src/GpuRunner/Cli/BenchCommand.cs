using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.DevTools;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Benchmarks;
using Stitching.Engine.Hardware;
using Stitching.Engine.Stitches;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>bench</c>: the same sweep by the straightforward baseline (twice, with different stitch seeds: the noise
/// floor) and by the optimized engine, plus this machine's matmul peak; prints and writes the figures as JSON.
/// </summary>
public sealed class BenchCommand : AsyncCommand<BenchCommand.Settings>
{

    public sealed class Settings : SweepCommand.Settings
    {
        [CommandOption("--baseline-epochs <N>"), Description("Fixed epochs of the baseline stitches (default 2).")]
        public int BaselineEpochs { get; init; } = 2;

        [CommandOption("--baseline-optimizer <NAME>"), Description("Optimizer of the baseline stitches (default sgd, momentum 0.9).")]
        [TypeConverter(typeof(WireNameTypeConverter<StitchOptimizer>))]
        public StitchOptimizer BaselineOptimizer { get; init; } = StitchOptimizer.Sgd;

        [CommandOption("--baseline-lr <LR>"), Description("Peak learning rate of the baseline stitches (default 0.01).")]
        public double BaselineLearningRate { get; init; } = 0.01;

        [CommandOption("--json <FILE>"), Description("Where to write the figures (default bench.json in --out).")]
        public string? Json { get; init; }

        [CommandOption("--skip-noise-floor"), Description("Run the baseline once only (no second seed).")]
        public bool SkipNoiseFloor { get; init; }

        [CommandOption("--storage <CONNECTION>"), Description("Storage for the platform figures (default: Stitching__Storage__ConnectionString, else Azurite). Unreachable: only rendering is timed.")]
        public string? Storage { get; init; }

        [CommandOption("--skip-platform"), Description("Leave out the platform figures (submission, fan-out, rendering).")]
        public bool SkipPlatform { get; init; }

        public override ValidationResult Validate()
        {
            var sweep = base.Validate();
            if (!sweep.Successful) return sweep;
            if (BaselineEpochs is < 1 or > 1000) return ValidationResult.Error($"--baseline-epochs must be 1..1000, got {BaselineEpochs}.");
            if (!(BaselineLearningRate > 0 && BaselineLearningRate <= 10)) return ValidationResult.Error($"--baseline-lr must be in (0, 10], got {BaselineLearningRate}.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var spec = settings.ToSpec();
        var plan = SweepPlan.Create(spec);
        var tasks = plan.Stitches.ToList();
        using var loggers = CliConsoleLoggerProvider.CreateFactory();
        var logger = loggers.CreateLogger<BenchCommand>();
        void Log(string m) => logger.LogInformation("{Line}", m);
        using var run = RunContext.Create(settings, spec, loggers);
        var device = run.Device;
        var report = new Dictionary<string, object?>
        {
            ["command"] = "bench " + string.Join(' ', context.Arguments),
            ["device"] = device.type.ToString().ToLowerInvariant(),
            ["hardware"] = HardwareDescription.Of(device),
            ["nativeBf16"] = Precision.HasFastBFloat16(device),
            ["isa"] = Engine.Hardware.CpuFeatures.Current.Isa,
            ["kernels"] = Engine.Kernels.KernelGuard.Summary,
            ["bf16Choice"] = device.type == DeviceType.CPU ? Engine.Kernels.Bf16Choice.Current : null,
            ["threads"] = get_num_threads(),
            ["stitches"] = tasks.Count,
            ["trainImages"] = run.Data.TrainImages.shape[0],
            ["testImages"] = run.Data.TestImages.shape[0],
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
        var passes = SuffixPassProbe.Measure(receiverArch, spec.Width, run.Data.Channels, run.Data.Classes, device, [128, 256, 512, 1024], precisions);
        foreach (var p in passes) Log($"  {p.Precision} {p.Layout} {p.Rows,5} rows: {p.ImagesPerSecond:F0} images/s");
        report["suffixPasses"] = passes;

        // Base models first, so neither path is charged for them.
        using (var warm = new StitchEngine(run.Data, run.Models, device, spec.Stitch with { Precision = ComputePrecision.Fp32 }, 0, loggers))
            foreach (var m in plan.Models) warm.Model(m, cancellationToken);

        // The engine's sweep in a fresh folder, timed: the optimized path, and below the same engine on the baseline's recipe.
        EngineRun RunEngine(string folder, StitchSettings stitch)
        {
            var dir = Path.Combine(settings.Out, folder);
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            var clock = Stopwatch.StartNew();
            using var engine = new StitchEngine(run.Data, run.Models, device, stitch, settings.CacheMegabytes * 1024L * 1024L, loggers);
            using var runner = new LocalSweep(engine);
            // A benchmark times the engine: its (often tiny) base models need not beat chance.
            var rows = runner.Run(spec with { Stitch = stitch, AllowChanceModels = true }, dir, cancellationToken: cancellationToken).Results;
            return new EngineRun(rows, clock.Elapsed.TotalSeconds, engine.ComputeType, engine.PeakCachedBytes);
        }

        ResetPeakRss(); // the probes above held big batches; measure the optimized path's own peak
        Log($"Optimized path: {tasks.Count} stitches...");
        var (optimized, optSeconds, optimizedType, cachedBytes) = RunEngine("optimized", spec.Stitch);
        var peakRssOptimized = PeakRssBytes();
        Log($"  {optSeconds:F1} s ({tasks.Count / optSeconds:F2} stitches/s), peak RSS {peakRssOptimized / 1e6:F0} MB");

        // The engine again, with the baseline's recipe (PyTorch init, the baseline's epochs, no held-out checks, the
        // same stitch and shuffle seeds as the baseline's first run): what the engine's own speed-ups (cache, bf16,
        // channels-last, batched suffix passes) give with nothing else changed, and whether they change the matrices.
        var baselineSettings = spec.Stitch with
        {
            Epochs = settings.BaselineEpochs, Init = StitchInit.Default, Precision = ComputePrecision.Fp32,
            Optimizer = settings.BaselineOptimizer, LearningRate = settings.BaselineLearningRate,
        };
        Log($"Engine with the baseline's recipe: {tasks.Count} stitches...");
        var (recipeRows, recipeSeconds, _, _) = RunEngine("engine-baseline-recipe",
            baselineSettings with { EvalsPerEpoch = 0, Patience = 0, Precision = spec.Stitch.Precision });
        Log($"  {recipeSeconds:F1} s ({tasks.Count / recipeSeconds:F2} stitches/s)");

        var (baseA, baseSeconds) = RunBaseline(run, tasks, baselineSettings, 0, logger, cancellationToken);
        Log($"Baseline: {baseSeconds:F1} s ({tasks.Count / baseSeconds:F2} stitches/s)");
        IReadOnlyList<double>? baseB = null;
        if (!settings.SkipNoiseFloor)
        {
            (baseB, var secondsB) = RunBaseline(run, tasks, baselineSettings, 1, logger, cancellationToken);
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
            cacheBudgetMB = settings.CacheMegabytes * 1.048576, cachedActivationsMB = cachedBytes / 1e6,
            overheadBeyondCacheMB = (peakRssOptimized - cachedBytes) / 1e6,
        };
        var imagesTrain = run.Data.TrainImages.shape[0];
        var imagesTest = run.Data.TestImages.shape[0];
        var imagesHoldout = run.Data.HoldoutImages.shape[0];
        var epochsRun = tasks.Select((t, k) => (t.Id, optimizedRows[k].Epochs)).DistinctBy(e => e.Id).ToDictionary(e => e.Id, e => e.Epochs);
        var flops = Flops(plan, tasks, t => epochsRun[t.Id], spec, run.Dataset, imagesTrain, imagesHoldout, imagesTest, settings.BaselineEpochs);
        report["baseline"] = new
        {
            seconds = Math.Round(baseSeconds, 2), stitchesPerSecond = tasks.Count / baseSeconds, epochs = settings.BaselineEpochs, precision = ComputePrecision.Fp32.Name(),
            optimizer = settings.BaselineOptimizer, learningRate = settings.BaselineLearningRate,
        };
        report["speedup"] = Math.Round(baseSeconds / optSeconds, 2);
        report["engineWithBaselineRecipe"] = new
        {
            seconds = Math.Round(recipeSeconds, 2), speedup = Math.Round(baseSeconds / recipeSeconds, 2), epochs = settings.BaselineEpochs,
            precision = Precision.Name(optimizedType),
            meanAbsDiffVsBaseline = MeanAbs(same, baseA), maxAbsDiffVsBaseline = MaxAbs(same, baseA),
            meanAbsDiffVsBaselineSecondSeed = baseB is null ? (double?)null : MeanAbs(same, baseB),
            meanAccuracy = same.Average(),
        };
        report["imagesPerSecond"] = new
        {
            optimized = optimized.Sum(r => r.Epochs) * imagesTrain / optSeconds,
            baseline = (double)tasks.Count * settings.BaselineEpochs * imagesTrain / baseSeconds,
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
        report["peakRssMB"] = PeakRssBytes() / 1e6;
        report["exampleSweepBound"] = ExampleSweepBound(spec, run.Dataset, imagesTrain + imagesHoldout, spec.Stitch.HoldoutFraction, PeakOf(enginePrecision), peak32);

        if (!settings.SkipPlatform) report["platform"] = await PlatformFiguresAsync(settings.Storage, logger, cancellationToken);

        var json = JsonSerializer.Serialize(report, PlatformJsonContext.Reports);
        var path = settings.Json ?? Path.Combine(settings.Out, "bench.json");
        AtomicFile.Write(path, w => w.Write(json));
        AnsiConsole.WriteLine(json);
        Log($"Wrote {path}");
        return 0;
    }

    private static async Task<object> PlatformFiguresAsync(string? storage, ILogger log, CancellationToken cancellationToken)
    {
        log.LogInformation("Platform: the paper's full experiment submitted and fanned out, a 17x17 matrix rendered...");
        var connection = PlatformBenchCommand.StorageConnection(storage);
        try
        {
            return PlatformBenchCommand.Report(connection, await PlatformBenchmark.RunIsolatedAsync(connection, log, cancellationToken));
        }
        catch (StorageUnreachableException e)
        {
            log.LogWarning("  {Reason} Timing the rendering only.", e.Message);
            return new { skipped = e.Message, render = PlatformBenchmark.MeasureRender(log) };
        }
    }

    private static (IReadOnlyList<double> Accuracies, double Seconds) RunBaseline(RunContext run, IReadOnlyList<StitchTask> tasks,
        StitchSettings settings, int seedOffset, ILogger log, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var models = new Dictionary<string, Engine.Models.ResNet>();
        Engine.Models.ResNet Get(ModelSpec s) => models.TryGetValue(s.Key, out var m) ? m : models[s.Key] = run.Models.GetOrCreate(s, run.Data, cancellationToken: cancellationToken).Model;
        var accuracies = new List<double>();
        foreach (var t in tasks)
        {
            var sender = Get(t.Sender);
            var receiver = Get(t.Receiver);
            using var stitch = Stitch.Create(t.Shape, StitchEngine.StableSeed(t.Id) + seedOffset);
            stitch.to(run.Device);
            var e = BaselineStitchTrainer.Train(sender, sender.LayerIndex(t.SenderLayer), stitch, receiver, receiver.LayerIndex(t.ReceiverLayer),
                run.Data, settings, t.StitchSeed + 7919 * seedOffset, cancellationToken); // offset 0: the engine's seeds
            accuracies.Add(e.Accuracy);
            if (accuracies.Count % 10 == 0) log.LogInformation("  baseline {Done}/{Total}", accuracies.Count, tasks.Count);
        }
        foreach (var m in models.Values) m.Dispose();
        return (accuracies, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// What bounds the whole sweep of this spec (every layer pair, full test set, stitches at their maximum epochs,
    /// base models included): its FLOPs, and the seconds they take at this machine's measured matmul peaks (stitch
    /// work at the engine's precision, base-model training in fp32). No implementation on this machine can be faster than that.
    /// </summary>
    private static object ExampleSweepBound(SweepSpec spec, DatasetInfo dataset, long trainSubset, double holdoutFraction, double peakStitches, double peakFp32)
    {
        var testSetSize = dataset.TestImages;
        var full = SweepPlan.Create(spec with { SenderLayers = null, ReceiverLayers = null });
        var holdout = (long)Math.Round(trainSubset * holdoutFraction);
        var train = trainSubset - holdout;
        var stitches = Flops(full, full.Stitches.ToList(), _ => spec.Stitch.Epochs, spec, dataset, train, holdout, testSetSize, 0).Optimized;
        var models = full.Models.Where(m => m.Trained).Sum(m => SweepFlops.BaseModel(m, dataset, trainSubset, testSetSize));
        var seconds = stitches / (peakStitches * 1e9) + models / (peakFp32 * 1e9);
        return new
        {
            stitches = full.Stitches.Count(), stitchTflop = stitches / 1e12, baseModelTflop = models / 1e12,
            secondsAtMeasuredPeak = Math.Round(seconds, 1),
        };
    }

    private sealed record EngineRun(IReadOnlyList<StitchResult> Rows, double Seconds, ScalarType ComputeType, long PeakCachedBytes);

    private sealed record FlopCount(double TrainingPerStitch, double Optimized, double Baseline, double PrefixOptimized, double PrefixBaseline);

    /// <summary>
    /// FLOPs (2 per multiply-accumulate) from the layer catalogue. Training a stitch costs, per image: stitch forward
    /// and backward (3x its MACs) plus the suffix forward and its input-gradient backward (2x). The baseline adds the
    /// prefix forward every step; the optimized path computes each (sender, layer) prefix once per split.
    /// </summary>
    private static FlopCount Flops(SweepPlan plan, IReadOnlyList<StitchTask> tasks, Func<StitchTask, double> epochsRun, SweepSpec spec, DatasetInfo dataset,
        long train, long holdout, long test, int baselineEpochs)
    {
        double opt = 0, baseline = 0, perStitch = 0, prefixBase = 0;
        var w = spec.Width;
        foreach (var t in tasks)
        {
            perStitch += SweepFlops.TrainingPerImage(t, w, dataset) * train * spec.Stitch.Epochs / tasks.Count;
            opt += SweepFlops.Stitch(t, w, dataset, train, holdout, test, epochsRun(t), spec.Stitch.EvalsPerEpoch);
            // The baseline recomputes the sender's prefix on every step and has no held-out checks.
            var prefix = SweepFlops.PrefixPerImage(t, w, dataset);
            baseline += (SweepFlops.TrainingPerImage(t, w, dataset) + prefix) * train * baselineEpochs + (prefix + SweepFlops.EvaluationPerImage(t, w, dataset)) * test;
            prefixBase += prefix * (train * baselineEpochs + test);
        }
        var prefixOpt = SweepFlops.CachedPrefixes(plan, w, dataset, train + holdout + test);
        opt += prefixOpt;
        return new FlopCount(perStitch, opt, baseline, prefixOpt, prefixBase);
    }

    /// <summary>Writing 5 to clear_refs resets the kernel's high-water mark (VmHWM) of this process (Linux 4.0+).</summary>
    private static void ResetPeakRss()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static long PeakRssBytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? Process.GetCurrentProcess().PeakWorkingSet64 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
