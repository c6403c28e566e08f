using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Hardware;
using Stitching.Engine.Models;
using Stitching.Engine.Stitches;
using Stitching.Engine.Training;
using Stitching.Reporting.Tables;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Sweeps;

/// <summary>
/// Trains stitch tasks on one device: frozen models from the <see cref="ModelRepository"/>, sender activations
/// from an <see cref="ActivationCache"/>, stitches into the same receiver layer trained together.
/// </summary>
public sealed class StitchEngine : IDisposable
{
    private readonly SweepData _data;
    private readonly ModelRepository _models;
    private readonly Device _device;
    private readonly ScalarType _dtype;
    private readonly Dictionary<string, (ResNet Model, ModelCheckpoint Info)> _loaded = new();
    private readonly ILogger<StitchEngine> _logger;
    private ActivationCache _cache;

    public StitchEngine(SweepData data, ModelRepository models, Device device, StitchSettings settings, long cacheBudgetBytes, ILoggerFactory? loggers = null)
    {
        _data = data;
        _models = models;
        _device = device;
        _dtype = Precision.Resolve(settings.Precision, device);
        _cache = new ActivationCache(cacheBudgetBytes, _dtype);
        Loggers = loggers ?? NullLoggerFactory.Instance;
        _logger = Loggers.CreateLogger<StitchEngine>();
        CacheBudgetBytes = cacheBudgetBytes;
    }

    public long CacheBudgetBytes { get; }

    /// <summary>
    /// Whether a trained base model indistinguishable from chance stops the run before any stitch trains on it: what a
    /// sweep's spec says (<see cref="SweepSpec.AllowChanceModels"/>), set by the sweep command and by each stitch job
    /// (<see cref="StitchGroupJob"/>); off for engines that train deliberately tiny models (tests, benchmarks).
    /// </summary>
    public bool RefuseChanceModels { get; set; }
    /// <summary>The run's data (train, held-out and test splits on the device) that every stitch and analysis of this engine uses.</summary>
    public SweepData Data => _data;
    public Device Device => _device;

    /// <summary>
    /// Rows per suffix pass when several stitches share a receiver layer. On CPUs a pass of a few hundred rows
    /// keeps activations in cache (bigger passes measured slower, see docs/performance.md, Bench); GPUs want big passes.
    /// </summary>
    public int MaxRowsPerPass { get; init; } = -1;
    /// <summary>
    /// How often, at most, a group trained with a progress file saves its state there (at an epoch's end); zero: every epoch.
    /// The file holds every stitch's weights and optimizer state, so on a fast GPU saving every epoch would cost more than it saves.
    /// </summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(30);

    private int RowsPerPass => MaxRowsPerPass > 0 ? MaxRowsPerPass : _device.type == DeviceType.CUDA ? 16384 : 256;
    public ScalarType ComputeType => _dtype;
    public string DeviceName => _device.type.ToString().ToLowerInvariant();

    /// <summary>The CPU model and the vector extensions used, or the GPU: recorded with every result.</summary>
    public string Hardware => HardwareDescription.Of(_device);

    /// <summary>This engine's run: every result it trains carries its <see cref="Provenance.Id"/>.</summary>
    public Provenance Provenance => _provenance ??= EngineProvenance.Capture(_device, _dtype);
    private Provenance? _provenance;

    /// <summary>"nhwc" when sender and receiver share a layout, else "sender/receiver" (e.g. "nchw/nhwc").</summary>
    public static string PairLayout(MemoryLayout sender, MemoryLayout receiver) =>
        sender == receiver ? LayoutPolicy.Name(sender) : $"{LayoutPolicy.Name(sender)}/{LayoutPolicy.Name(receiver)}";
    public ActivationCache Cache => _cache;

    /// <summary>The most bytes of activations cached at once so far: at most <see cref="CacheBudgetBytes"/>.</summary>
    public long PeakCachedBytes => Math.Max(_peakCachedBytes, _cache.CachedBytes);
    /// <summary>Where this engine and the runners built on it (<see cref="LocalSweep"/>, <see cref="StitchGroupJob"/>) log.</summary>
    public ILoggerFactory Loggers { get; }

    private long _peakCachedBytes;

    /// <summary>The frozen model for <paramref name="spec"/>, in the compute dtype; trained or initialized on first use.</summary>
    public (ResNet Model, ModelCheckpoint Info) Model(ModelSpec spec, CancellationToken cancellationToken = default)
    {
        if (_loaded.TryGetValue(spec.Key, out var entry)) return RefusedAtChance(spec, entry);
        entry = _models.GetOrCreate(spec, _data, cancellationToken);
        if (_dtype != ScalarType.Float32)
        {
            // The repository checked this network's fp32 kernels; frozen use in another precision runs other kernels.
            Kernels.KernelGuard.Ensure(Kernels.KernelCheckPlan.For([new Kernels.KernelNetwork(spec.Arch, spec.Width, _data.Channels, _data.Classes)], [],
                [LayoutPolicy.Choose(entry.Model, _device)], [_dtype]) with { Training = false }, _device, _logger);
            entry.Model.to(_dtype);
        }
        var layout = entry.Model.UsePreferredLayout(_device);
        if (layout == MemoryLayout.Nchw && _device.type == DeviceType.CPU && LayoutPolicy.FirstUnsafeConv(entry.Model, CpuFeatures.Current) is { } why)
            _logger.LogWarning("{Model} runs NCHW on this CPU: {Reason} is not a multiple of its channel block.", spec.Key, why);
        _loaded[spec.Key] = entry;
        return RefusedAtChance(spec, entry);
    }

    // A matrix through a trained network at chance measures nothing (issue 21: NaN training ended at 10% and 80 stitches
    // were trained on it): no stitch trains on a model NearChance.Indistinguishable calls so. Below twice chance but
    // distinguishable from it, it warns.
    private (ResNet Model, ModelCheckpoint Info) RefusedAtChance(ModelSpec spec, (ResNet Model, ModelCheckpoint Info) entry)
    {
        if (!RefuseChanceModels) return entry;
        var testImages = _data.TestLabels.shape[0];
        if (NearChance.Indistinguishable(entry.Info.ToResult(), testImages))
            throw new ModelAtChanceException(string.Create(CultureInfo.InvariantCulture,
                $"trained {spec.Arch} (seed {spec.Seed}) scores {entry.Info.TestAccuracy * 100:F1}% on {testImages} test images ({entry.Info.PredictedClasses} class(es) predicted), " +
                $"not distinguishable from chance ({NearChance.Chance(entry.Info.Classes) * 100:0.#}%): no stitch was trained on it. Train longer or on more images " +
                $"(or allow it: --allow-chance-models, allowChanceModels in the spec); on a new CPU run `kernel-check`."));
        if (NearChance.Warning(entry.Info.ToResult()) is { } warning) _logger.LogWarning("{Warning}", warning);
        return entry;
    }

    /// <summary>Frees cached activations (e.g. between network pairs) but keeps loaded models.</summary>
    public void ClearActivations()
    {
        _peakCachedBytes = PeakCachedBytes;
        _cache.Dispose();
        _cache = new ActivationCache(CacheBudgetBytes, _dtype);
    }

    /// <summary>Groups tasks by (receiver, receiver layer, stitch seed): each group shares one suffix pass per step.</summary>
    public static IEnumerable<IReadOnlyList<StitchTask>> Groups(IEnumerable<StitchTask> tasks) =>
        tasks.GroupBy(t => (t.Receiver.Key, t.ReceiverLayer, t.StitchSeed)).Select(g => (IReadOnlyList<StitchTask>)g.ToList());

    /// <summary>Trains a group of tasks that share receiver, receiver layer and stitch seed; returns one result per task, in order.</summary>
    /// <param name="progressFile">
    /// Where the group's training state is saved at epoch ends (at most once per <see cref="ProgressInterval"/>) and resumed
    /// from: a rerun of the same tasks and settings with the same file continues after its last saved epoch and ends with
    /// the results of an uninterrupted run. Null: nothing is saved.
    /// </param>
    public IReadOnlyList<(StitchResult Result, Stitch Stitch)> TrainGroup(IReadOnlyList<StitchTask> tasks, StitchSettings settings,
        Action<int>? onEpoch = null, string? progressFile = null, CancellationToken cancellationToken = default)
    {
        var first = tasks[0];
        if (tasks.Any(t => t.Receiver.Key != first.Receiver.Key || t.ReceiverLayer != first.ReceiverLayer || t.StitchSeed != first.StitchSeed))
            throw new ArgumentException("A stitch group must share receiver, receiver layer and stitch seed.");
        var clock = Stopwatch.StartNew();
        var receiver = Model(first.Receiver, cancellationToken).Model;
        var j = receiver.LayerIndex(first.ReceiverLayer);

        var members = new List<StitchMember>();
        // A stitch's conv runs in its sender's layout (its input's): each stitch shape checked there before it trains.
        foreach (var byLayout in tasks.GroupBy(t => Model(t.Sender, cancellationToken).Model.Layout))
            Kernels.KernelGuard.Ensure(Kernels.KernelCheckPlan.For([], byLayout.Select(t => t.Shape), [byLayout.Key], []) with { LayoutFallback = false }, _device, _logger);
        foreach (var task in tasks) members.Add(Member(task, cancellationToken));

        var prepared = clock.Elapsed;
        Initialize(members, receiver, j, settings);

        var initialized = clock.Elapsed;
        Tensor Suffix(Tensor h) => receiver.ForwardSuffix(h.to(_dtype), j);
        var checkpoint = progressFile is null ? null
            : new LoopCheckpoint(progressFile, $"{string.Join(",", tasks.Select(t => t.Id))}|{settings}|{Precision.Name(_dtype)}", ProgressInterval, Loggers.CreateLogger<LoopCheckpoint>());
        IReadOnlyList<StitchOutcome> outcomes;
        try
        {
            outcomes = StitchGroupTrainer.Train(members, Suffix, _data.TrainLabels,
                _data.HoldoutImages.shape[0] > 0 ? _data.HoldoutLabels : null, _data.TestLabels, settings, first.StitchSeed, onEpoch, RowsPerPass, checkpoint, cancellationToken);
        }
        catch (NonFiniteTrainingException e)
        {
            throw new NonFiniteTrainingException($"stitches {string.Join(", ", tasks.Select(t => $"{t.SenderLayer}->{t.ReceiverLayer}"))} into {first.Receiver.Key}", e);
        }

        var seconds = clock.Elapsed.TotalSeconds / tasks.Count;
        _logger.LogInformation("  {Arch} layer {Layer}, {Count} stitches: activations {ActivationSeconds:F1} s, init {InitSeconds:F1} s, training + evaluation {TrainSeconds:F1} s",
            first.Receiver.Arch, first.ReceiverLayer, tasks.Count, prepared.TotalSeconds, (initialized - prepared).TotalSeconds, (clock.Elapsed - initialized).TotalSeconds);
        var device = DeviceName;
        var precision = Precision.Name(_dtype);
        var testImages = (int)_data.TestLabels.shape[0];
        (double Low, double High) Interval(int k) => WilsonInterval.Of(outcomes[k].Accuracy, testImages);
        return tasks.Select((t, k) => (new StitchResult(
            t.Variant.Name(), t.Sender.Arch, t.SenderLayer, t.Receiver.Arch, t.ReceiverLayer, t.Shape.KindName, t.Shape.Parameters,
            Math.Round(outcomes[k].Epochs, 3), (int)_data.TrainImages.shape[0], outcomes[k].Accuracy, outcomes[k].Loss, seconds,
            t.Sender.Seed, t.Receiver.Seed, t.StitchSeed, device, Hardware, precision,
            PairLayout(Model(t.Sender, cancellationToken).Model.Layout, receiver.Layout), outcomes[k].Converged, HeadOnly: IsHeadOnly(receiver, j),
            TestImages: testImages, AccuracyLow: Interval(k).Low, AccuracyHigh: Interval(k).High, Curve: TrainingCurve.Thin(outcomes[k].Curve),
            ProvenanceId: Provenance.Id, Stop: outcomes[k].Stop),
            members[k].Stitch)).ToList();
    }

    /// <summary>Whether only pooling and the classifier follow the receiver's layer <paramref name="j"/> (results' head_only; the probe's readout).</summary>
    public static bool IsHeadOnly(ResNet receiver, int j) => j == receiver.Layers.Count - 1;

    /// <summary>A task's stitch at PyTorch's init (seeded by the task's id) with its sender's activations on each split.</summary>
    private StitchMember Member(StitchTask task, CancellationToken cancellationToken)
    {
        var stitch = Stitch.Create(task.Shape, StableSeed(task.Id));
        stitch.to(_device);
        return new StitchMember(stitch,
            Activations(task.Sender, task.SenderLayer, "train", _data.TrainImages, cancellationToken),
            _data.HoldoutImages.shape[0] > 0 ? Activations(task.Sender, task.SenderLayer, "holdout", _data.HoldoutImages, cancellationToken) : null,
            Activations(task.Sender, task.SenderLayer, "test", _data.TestImages, cancellationToken));
    }

    /// <summary>
    /// The stitch <see cref="TrainGroup"/> starts <paramref name="task"/> from under <paramref name="settings"/>' init, before any
    /// step: the copying experiment measures how far training moved a stitch from it, and trains placebos from it.
    /// </summary>
    public Stitch InitialStitch(StitchTask task, StitchSettings settings, CancellationToken cancellationToken = default)
    {
        var receiver = Model(task.Receiver, cancellationToken).Model;
        var member = Member(task, cancellationToken);
        Initialize([member], receiver, receiver.LayerIndex(task.ReceiverLayer), settings);
        return member.Stitch;
    }

    // The one place a task stitch's start is set: least squares to the receiver's own activations, identity, or PyTorch's init.
    private void Initialize(IReadOnlyList<StitchMember> members, ResNet receiver, int j, StitchSettings settings)
    {
        if (settings.Init == StitchInit.LeastSquares)
        {
            // The receiver's own activations are read once, for the fit's images only, so they bypass the cache.
            var n = _data.TrainImages.shape[0];
            var fitImages = settings.InitImages > 0 ? Math.Min(settings.InitImages, n) : n;
            using var target = ActivationSource.Cached(x => receiver.ForwardPrefix(x.to(_dtype), j), _data.TrainImages.slice(0, 0, fitImages, 1), _dtype);
            foreach (var m in members) StitchInitializer.FitLeastSquares(m.Stitch, m.Train, target, settings.Ridge, (int)fitImages);
        }
        else if (settings.Init == StitchInit.Identity)
            foreach (var m in members) m.Stitch.SetIdentity();
        else if (settings.Init != StitchInit.Default)
            throw new ArgumentException($"Unknown stitch init '{settings.Init}'. Use least-squares, identity (same-shape layers only) or default.");
    }

    /// <summary>A model's output at a layer on one split, cached when the budget allows.</summary>
    public ActivationSource Activations(ModelSpec spec, string layer, string split, Tensor images, CancellationToken cancellationToken = default)
    {
        var model = Model(spec, cancellationToken).Model;
        var i = model.LayerIndex(layer);
        var elements = model.Layers[i].Elements;
        return _cache.Get($"{spec.Key}/{layer}/{split}", x => model.ForwardPrefix(x.to(_dtype), i), images, elements);
    }

    /// <summary>A seed from the task id that does not change between processes (string.GetHashCode does).</summary>
    public static int StableSeed(string id) => BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(id)), 0) & int.MaxValue;

    public void Dispose()
    {
        _cache.Dispose();
        foreach (var (model, _) in _loaded.Values) model.Dispose();
        _loaded.Clear();
    }
}

/// <summary>A trained base model scored near chance: the run stops before any stitch is trained on it.</summary>
public sealed class ModelAtChanceException(string message) : Exception(message);
