using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Data;
using Stitching.Engine.Research;
using Stitching.Engine.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.GpuRunner.Cli;

/// <summary><c>sweep</c>: every (sender layer, receiver layer) stitch for each variant, with progress, resumable.</summary>
public sealed class SweepCommand : AsyncCommand<SweepCommand.Settings>
{
    /// <summary>
    /// The sweep's options. Every setting of the spec is nullable with no default here: the spec is built from a base
    /// (<c>--spec</c>'s file, <c>--resume</c>'s sweep.json, or the default <see cref="SweepSpec"/>) with the options given
    /// laid over it (<see cref="ToSpec"/>), so the defaults live once, in the spec's records.
    /// </summary>
    public class Settings : CommonSettings
    {
        [CommandOption("--spec <FILE>"), Description("Start from this spec: the API's JSON body (POST /api/sweeps) or a run's sweep.json. Options given override its settings.")]
        public string? Spec { get; init; }

        [CommandOption("--resume <DIR>"), Description("Resume the sweep in DIR with the spec in its sweep.json (as --spec DIR/sweep.json --out DIR). An option that changes what trains is refused, naming the setting.")]
        public string? Resume { get; init; }

        [CommandOption("--sender <ARCH>"), Description("Sender architecture(s), comma-free list separated by ';' or repeated: resnet18, resnet34, resnet(b1,b2,b3,b4). Default resnet(1,1,1,1).")]
        public string[]? Senders { get; init; }

        [CommandOption("--receiver <ARCH>"), Description("Receiver architecture(s); every ordered (sender, receiver) pair is swept. Default resnet(2,2,2,2).")]
        public string[]? Receivers { get; init; }

        [CommandOption("--variants <LIST>"), Description("all (default), or a comma list of trained->trained, random->trained, trained->random, random->random (or, with no quoting in a shell, trained-trained, random-trained, trained-random, random-random).")]
        public string? Variants { get; init; }

        [CommandOption("--sender-layers <LIST>"), Description("Comma list of sender layers (stem, 1.0, 1.1, ...); default all.")]
        public string? SenderLayers { get; init; }

        [CommandOption("--receiver-layers <LIST>"), Description("Comma list of receiver layers; default all.")]
        public string? ReceiverLayers { get; init; }

        [CommandOption("--sender-seeds|--sender-seed <LIST>"), Description("Comma list of trained senders' seeds (default 0); several give each cell a spread across independently trained base models.")]
        public string? SenderSeeds { get; init; }

        [CommandOption("--receiver-seeds|--receiver-seed <LIST>"), Description("Comma list of trained receivers' seeds, one per sender seed: pair k is sender seed k -> receiver seed k (default 1). Same architecture and same seed as the sender stitches a network with itself.")]
        public string? ReceiverSeeds { get; init; }

        [CommandOption("--stitch-seeds <LIST>"), Description("Comma list of stitch seeds; several give mean and spread per cell (default 0).")]
        public string? StitchSeeds { get; init; }

        [CommandOption("--epochs|--stitch-epochs <N>"), Description("Most stitch training epochs, a cap (default 30); the held-out stopping rule ends a converged stitch sooner, and results.csv says which stopped by the rule (converged) and after how many epochs.")]
        public int? Epochs { get; init; }

        [CommandOption("--batch-size <N>"), Description("Stitch batch size (default 256).")]
        public int? BatchSize { get; init; }

        [CommandOption("--optimizer <NAME>"), Description("adam (default) or sgd (momentum 0.9).")]
        [TypeConverter(typeof(WireNameTypeConverter<StitchOptimizer>))]
        public StitchOptimizer? Optimizer { get; init; }

        [CommandOption("--lr <LR>"), Description("Peak stitch learning rate (default 0.001), warm-up then cosine.")]
        public double? LearningRate { get; init; }

        [CommandOption("--weight-decay <WD>"), Description("Stitch weight decay (default 0.01).")]
        public double? WeightDecay { get; init; }

        [CommandOption("--stitch-bn"), Description("Batch-norm before and after the stitch conv (Bansal et al.).")]
        public bool StitchBatchNorm { get; init; }

        [CommandOption("--init <NAME>"), Description("least-squares (default: closed-form fit to the receiver's own activations), identity (equal shapes only) or default (PyTorch init).")]
        [TypeConverter(typeof(WireNameTypeConverter<StitchInit>))]
        public StitchInit? Init { get; init; }

        [CommandOption("--holdout <FRACTION>"), Description("Fraction of the training subset held out to choose the epoch (default 0.1). The test set is used once.")]
        public double? Holdout { get; init; }

        [CommandOption("--evals-per-epoch <N>"), Description("Held-out accuracy checks per epoch, plus one before training (default 4); each stitch keeps its best checked weights. 0: no checks, the last weights are kept.")]
        public int? EvalsPerEpoch { get; init; }

        [CommandOption("--patience <EPOCHS>"), Description("In epochs: a stitch stops after this many epochs of held-out checks past warm-up without a significant gain (--min-gain-se); results.csv's stop_reason says converged, no-gain (nothing beat the start) or cap; default 3; 0: never stop early, run to --epochs.")]
        public double? Patience { get; init; }

        [CommandOption("--anneal <EPOCHS>"), Description("In epochs: when the stopping rule fires, the learning rate falls from its level there to zero over this many epochs, still checked, before the stitch stops (default 2; docs/research.md#stopping). 0: stop where the rule fires.")]
        public double? Anneal { get; init; }

        [CommandOption("--min-gain-se <Z>"), Description("A held-out check counts as a gain when its per-image loss is lower than at the last gain by more than Z standard errors of the paired difference (default 1).")]
        public double? MinGainStandardErrors { get; init; }

        [CommandOption("--precision <P>"), Description("auto (default: bf16 frozen parts where the hardware is fast at it and its kernels pass the self-check), fp32 or bf16.")]
        [TypeConverter(typeof(WireNameTypeConverter<ComputePrecision>))]
        public ComputePrecision? Precision { get; init; }

        [CommandOption("--cache-mb <MB>"), Description("Memory budget for cached sender activations, in MiB (default 4096); beyond it prefixes are recomputed.")]
        public int CacheMegabytes { get; init; } = 4096;

        [CommandOption("--analyses <LIST>"), Description("Extra analyses per cell, written to analysis.csv and matrix-<variant>-<metric>.json/png: all, or a comma list of copy, least-squares, cka, pixels (pixel baseline), probe (linear-probe baseline), penalty. Default none.")]
        public string? Analyses { get; init; }
        [CommandOption("--cka-images <N>"), Description("Test images used for linear CKA (default 1000).")]
        public int CkaImages { get; init; } = 1000;
        [CommandOption("--out <DIR>"), Description("Output folder (default results/sweep; with --resume, its folder). Rerunning into the same folder resumes.")]
        public string? OutOption { get; init; }

        /// <summary>Where the sweep writes: --out, else --resume's folder, else results/sweep.</summary>
        public string Out => OutOption ?? Resume ?? "results/sweep";

        [CommandOption("--tag <TAG>"), Description("A label recorded in sweep.json, as the platform's sweep tags (repeat for several; letters, digits, '.', '_', '-').")]
        public string[]? Tags { get; init; }

        [CommandOption("--description <TEXT>"), Description("What the sweep is for, recorded in sweep.json.")]
        public string? Description { get; init; }

        [CommandOption("--allow-chance-models"), Description("Go on when a trained base model cannot be told from chance (default: the sweep stops before any stitch trains on it).")]
        public bool AllowChanceModels { get; init; }

        [CommandOption("--dry-run"), Description("Print the jobs, stitches, FLOPs, cache memory, estimated time per device class and the effective spec (JSON, the API's body), and stop: nothing trains.")]
        public bool DryRun { get; init; }

        [CommandOption("--price-per-gpu-hour <PRICE>"), Description("With --dry-run: a GPU hour's price, to estimate the cost on the Azure GPU profiles.")]
        public double? PricePerGpuHour { get; init; }

        /// <summary>The spec the options start from: --spec's file, --resume's sweep.json, or the default spec.</summary>
        /// <exception cref="ArgumentException">The file is missing or is not a spec (the message names the file and the key).</exception>
        public SweepSpec BaseSpec() =>
            Spec is { } file ? SweepSpecFile.Read(file)
            : Resume is { } dir ? SweepSpecFile.Read(Path.Combine(dir, SweepManifest.FileName))
            : new SweepSpec();

        /// <summary>The base spec with every option given laid over it.</summary>
        public SweepSpec ToSpec() => ToSpec(BaseSpec());

        public SweepSpec ToSpec(SweepSpec b)
        {
            var s = Over(b);
            var stitch = s.Stitch;
            return s with
            {
                Tags = Tags is { Length: > 0 } ? Tags : s.Tags, Description = Description ?? s.Description,
                Senders = Senders is { Length: > 0 } ? Split(Senders) : s.Senders, Receivers = Receivers is { Length: > 0 } ? Split(Receivers) : s.Receivers,
                Variants = Variants is { } v ? [v] : s.Variants,
                SenderLayers = SenderLayers is { } sl ? List(sl) : s.SenderLayers,
                ReceiverLayers = ReceiverLayers is { } rl ? List(rl) : s.ReceiverLayers,
                SenderSeeds = SenderSeeds is { } ss ? Seeds(ss) : s.SenderSeeds, ReceiverSeeds = ReceiverSeeds is { } rs ? Seeds(rs) : s.ReceiverSeeds,
                StitchSeeds = StitchSeeds is { } st ? Seeds(st) : s.StitchSeeds,
                Analyses = Analyses is { } a ? Stitching.Domain.Sweeps.Analyses.ParseList(a) : s.Analyses,
                AllowChanceModels = AllowChanceModels || s.AllowChanceModels,
                Stitch = stitch with
                {
                    Epochs = Epochs ?? stitch.Epochs, BatchSize = BatchSize ?? stitch.BatchSize, Optimizer = Optimizer ?? stitch.Optimizer,
                    LearningRate = LearningRate ?? stitch.LearningRate, WeightDecay = WeightDecay ?? stitch.WeightDecay,
                    BatchNorm = StitchBatchNorm || stitch.BatchNorm, Init = Init ?? stitch.Init, HoldoutFraction = Holdout ?? stitch.HoldoutFraction,
                    Patience = Patience ?? stitch.Patience, AnnealEpochs = Anneal ?? stitch.AnnealEpochs, Precision = Precision ?? stitch.Precision,
                    EvalsPerEpoch = EvalsPerEpoch ?? stitch.EvalsPerEpoch, MinGainStandardErrors = MinGainStandardErrors ?? stitch.MinGainStandardErrors,
                },
            };
        }

        private static List<string> List(string list) =>
            list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

        private static List<int> Seeds(string list) => List(list).Select(int.Parse).ToList();

        // Architecture names contain commas, so lists are given by repeating the option or with ';'.
        private static List<string> Split(string[] values) =>
            values.SelectMany(v => v.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();

        public override ValidationResult Validate()
        {
            var common = base.Validate();
            if (!common.Successful) return common;
            // Ranges of the sweep's settings are the API's validator's (SweepSpecValidator, run on the spec before anything trains).
            if (CkaImages < 2) return ValidationResult.Error($"--cka-images must be at least 2, got {CkaImages}.");
            if (Spec is not null && Resume is not null) return ValidationResult.Error("Give --spec or --resume, not both: --resume reads the spec from the folder's sweep.json.");
            if (Resume is not null && OutOption is not null && Path.GetFullPath(OutOption) != Path.GetFullPath(Resume))
                return ValidationResult.Error($"--resume {Resume} writes into its own folder; --out {OutOption} names another.");
            try { Stitching.Domain.Sweeps.Analyses.ParseList(Analyses); }
            catch (FormatException e) { return ValidationResult.Error(e.Message); }
            if (CacheMegabytes < 0) return ValidationResult.Error("--cache-mb must be >= 0.");
            foreach (var (option, list) in new[] { ("--sender-seeds", SenderSeeds), ("--receiver-seeds", ReceiverSeeds), ("--stitch-seeds", StitchSeeds) })
                if (list is not null && list.Split(',', StringSplitOptions.RemoveEmptyEntries).Any(s => !int.TryParse(s.Trim(), out _)))
                    return ValidationResult.Error($"{option} must be a comma list of integers, got '{list}'.");
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        // A spec file that is missing or not a spec is an ArgumentException naming it, which CliErrors reports (exit 2).
        var baseSpec = settings.BaseSpec();
        var spec = settings.ToSpec(baseSpec);
        // Resuming with other settings would mix results of two recipes: name each setting that differs.
        if (settings.Resume is { } resume && SweepSpecDiff.TrainingDifferences(baseSpec, spec) is { Count: > 0 } differences)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"--resume {resume}: these options change what trains, so the folder's results would mix two recipes: {string.Join("; ", differences)}. Use another --out for a new sweep."));
            return 2;
        }
        // The API's validator, before anything trains: a typo in --optimizer or --init fails here, not after the base models.
        var (planned, errors) = SweepCoordinator.Plan(spec);
        if (planned is not { } plan)
        {
            foreach (var error in errors) AnsiConsole.MarkupLine($"[red]{Markup.Escape(error.Field)}[/]: {Markup.Escape(error.Message)}");
            return 2;
        }
        if (settings.DryRun) return DryRun(plan, spec, DatasetLoader.Info(new DatasetOptions { Name = spec.Dataset, Folder = settings.DataDir }), settings.PricePerGpuHour);
        var clock = Stopwatch.StartNew();
        using var loggers = CliConsoleLoggerProvider.CreateFactory();
        var logger = loggers.CreateLogger<SweepCommand>();
        void Log(string message) => logger.LogInformation("{Line}", message);
        Log($"Sweep: {plan.Pairs.Count} network pair(s), {plan.Variants.Count} variant(s), {plan.Stitches.Count()} stitches -> {Path.GetFullPath(settings.Out)}");

        using var run = RunContext.Create(settings, spec, loggers);
        using var engine = new StitchEngine(run.Data, run.Models, run.Device, spec.Stitch, settings.CacheMegabytes * 1024L * 1024L, loggers)
        {
            RefuseChanceModels = !spec.AllowChanceModels,
        };
        Log($"Frozen prefix/suffix precision: {Engine.Training.Precision.Name(engine.ComputeType)}");
        foreach (var model in plan.Models)
        {
            // A trained network near chance stops the sweep here (ModelAtChanceException), before the stitches are spent on it.
            _ = engine.Model(model, cancellationToken);
        }

        IReadOnlyList<StitchResult> Run(IProgress<SweepProgress> progress)
        {
            using var runner = new LocalSweep(engine) { CkaImages = settings.CkaImages };
            return runner.Run(spec, settings.Out, progress, cancellationToken).Results;
        }

        IReadOnlyList<StitchResult> rows = [];
        if (!AnsiConsole.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            // No terminal (a log file, CI, nohup): a bar would print nothing until the end; a line per finished group does.
            var lines = new ProgressLines(logger);
            rows = await Task.Run(() => Run(lines), cancellationToken);
        }
        else
        {
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var bar = ctx.AddTask("stitches", maxValue: plan.Stitches.Count());
                    var progress = new Progress<SweepProgress>(p =>
                    {
                        bar.Value = p.Done;
                        bar.Description = $"stitches {p.Done}/{p.Total}";
                    });
                    rows = await Task.Run(() => Run(new SyncProgress(progress)), cancellationToken);
                });
        }

        foreach (var pair in plan.Pairs)
        {
            foreach (var (_, matrix) in SweepOutputs.Matrices(plan, pair, rows))
                AnsiConsole.Write(MatrixTable.Render(matrix));
            // The paper's four patterns as the run wrote them (statistics, intervals, tests, verdicts), not bootstrapped again.
            var patterns = Path.Combine(SweepOutputs.PairDirectory(settings.Out, plan, pair), SweepOutputs.PatternsFile + ".md");
            if (File.Exists(patterns)) AnsiConsole.WriteLine(File.ReadAllText(patterns));
        }
        Log($"Done in {clock.Elapsed:mm\\:ss}. Wrote {Path.Combine(settings.Out, SweepOutputs.ResultsFile)}, models.csv, matrix-*.json/png/svg, matrices.png and patterns.md{(spec.Analyses.Count > 0 ? ", analysis.csv, analysis.png" : "")}.");
        return 0;
    }

    private static int DryRun(SweepPlan plan, SweepSpec spec, Domain.Datasets.DatasetInfo dataset, double? pricePerGpuHour)
    {
        var e = SweepEstimate.Create(plan, dataset, pricePerGpuHour);
        AnsiConsole.MarkupLine(Markup.Escape($"Dry run (nothing trains): {e.ModelJobs} model jobs, {e.StitchJobs} stitch jobs, {e.Stitches} stitches; " +
            $"{e.TrainImages} train, {e.HoldoutImages} held-out, {e.TestImages} test images"));
        AnsiConsole.MarkupLine(Markup.Escape($"FLOPs at the stitches' maximum epochs: {e.StitchTflop:F1} TFLOP stitches + {e.BaseModelTflop:F1} TFLOP base models; " +
            $"activation cache per runner up to {e.CacheMegabytesPerRunner:F0} MB (fp32; bf16 halves it)"));
        var table = new Table().AddColumns("device class", "GFLOP/s", "time", "cost", "source");
        foreach (var t in e.Times)
            table.AddRow(Markup.Escape(t.Device), $"{t.AchievedGflops:F0}", TimeSpan.FromSeconds(t.Seconds).ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture),
                t.Cost is { } c ? $"{c:F2}" : "-", Markup.Escape((t.Measured ? "measured: " : "") + t.Source));
        AnsiConsole.Write(table);
        // The effective spec, as the API takes it: `sweep --spec` or POST /api/sweeps reproduces this sweep from it.
        Console.WriteLine("Spec: " + SweepSpecFile.Write(spec, indented: false));
        return 0;
    }

    /// <summary>
    /// One line per finished group: its label, its seconds, stitches done and the time left at the rate so far.
    /// Reports come on the sweep's thread, in order.
    /// </summary>
    private sealed class ProgressLines(ILogger log) : IProgress<SweepProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private TimeSpan _last;
        private int _startDone = -1, _done;
        private string _current = "";

        public void Report(SweepProgress p)
        {
            if (_startDone < 0) { _startDone = p.Done; _done = p.Done; _current = p.Current; _last = _clock.Elapsed; return; }
            if (p.Done > _done)
            {
                var now = _clock.Elapsed;
                var rate = (p.Done - _startDone) / Math.Max(now.TotalSeconds, 1e-9);
                var eta = TimeSpan.FromSeconds((p.Total - p.Done) / Math.Max(rate, 1e-9));
                log.LogInformation("stitches {Done}/{Total}: {Group} in {Seconds:F0} s; about {Left} left", p.Done, p.Total, _current, (now - _last).TotalSeconds,
                    eta.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture));
                _last = now;
                _done = p.Done;
            }
            _current = p.Current;
        }
    }

    /// <summary>Reports on the caller's thread; Progress&lt;T&gt; would post to the thread pool and reorder updates.</summary>
    private sealed class SyncProgress(IProgress<SweepProgress> inner) : IProgress<SweepProgress>
    {
        public void Report(SweepProgress value) => inner.Report(value);
    }
}
