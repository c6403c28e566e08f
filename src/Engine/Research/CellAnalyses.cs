using Microsoft.Extensions.Logging;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Stitches;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using Stitching.Reporting.Tables;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Research;

/// <summary>
/// The per-cell analyses a spec asks for (<see cref="Analyses"/>), for task-trained stitches of one receiver layer:
/// copy-trained and least-squares stitches, their accuracies and distances from the expected representation, CKA, the
/// pixel and linear-probe baselines and the penalty. Used by <see cref="StitchGroupJob"/>, so a local sweep and a queue
/// worker analyse a cell the same way. Baselines and CKA Gram matrices are kept for the life of the object (the
/// engine's), so cells sharing a sender or receiver layer share them; each is a function of its seed, so a value does
/// not depend on which job computed it first.
/// </summary>
public sealed class CellAnalyses(StitchEngine engine, int ckaImages, ILogger<CellAnalyses>? logger = null) : IDisposable
{
    private readonly ILogger _logger = logger ?? engine.Loggers.CreateLogger<CellAnalyses>();
    private readonly Dictionary<string, double> _pixelBaselines = new();
    private readonly Dictionary<string, double> _probes = new();
    private readonly SweepData _data = engine.Data;
    private readonly Device _device = engine.Device;
    private CkaGrams? _cka;

    /// <summary>
    /// One analysis row per task-trained stitch of one receiver layer, in order; <paramref name="results"/> and
    /// <paramref name="stitches"/> are the task stitches' results and trained stitches.
    /// </summary>
    public IReadOnlyList<AnalysisResult> Run(IReadOnlyList<StitchTask> tasks, IReadOnlyList<StitchResult> results, IReadOnlyList<Stitch> stitches,
        StitchSettings settings, IReadOnlyList<string> analyses, CancellationToken cancellationToken)
    {
        bool Wants(string a) => analyses.Contains(a);
        var first = tasks[0];
        var pixels = Wants(Analyses.PixelBaseline) ? PixelBaseline(first, settings, cancellationToken) : double.NaN;
        var receiverAccuracy = engine.Model(first.Receiver, cancellationToken).Info.TestAccuracy;
        return tasks.Select((task, k) => Analyze(task, stitches[k], settings, analyses, cancellationToken) with
        {
            TaskAccuracy = results[k].Accuracy, PixelBaselineAccuracy = pixels,
            ProbeAccuracy = Wants(Analyses.Probe) ? Probe(task, settings, cancellationToken) : double.NaN,
            ReceiverAccuracy = Wants(Analyses.Penalty) ? receiverAccuracy : double.NaN,
        }).ToList();
    }

    /// <summary>Task-stitch distances, copy and least-squares stitches, and CKA of one cell.</summary>
    private AnalysisResult Analyze(StitchTask task, Stitch taskStitch, StitchSettings settings, IReadOnlyList<string> analyses, CancellationToken ct)
    {
        var row = new AnalysisResult(task.Variant.Name(), task.Sender.Arch, task.Sender.Seed, task.SenderLayer,
            task.Receiver.Arch, task.Receiver.Seed, task.ReceiverLayer, task.StitchSeed);
        var senderTrain = engine.Activations(task.Sender, task.SenderLayer, "train", _data.TrainImages, ct);
        var senderTest = engine.Activations(task.Sender, task.SenderLayer, "test", _data.TestImages, ct);
        var expectedTrain = engine.Activations(task.Receiver, task.ReceiverLayer, "train", _data.TrainImages, ct);
        var expectedTest = engine.Activations(task.Receiver, task.ReceiverLayer, "test", _data.TestImages, ct);

        var taskCmp = CopyTask.Compare(taskStitch, senderTest, expectedTest);
        row = row with { TaskMse = taskCmp.Mse, TaskNormalizedMse = taskCmp.NormalizedMse, TaskDistributionDistance = taskCmp.DistributionDistance };

        var compared = new List<Stitch>();
        if (analyses.Contains(Analyses.Copy))
        {
            // Starting from the least-squares fit would start at the copying task's optimum; the copy stitch is trained from scratch.
            using var copy = Stitch.Create(task.Shape with { BatchNorm = false }, StitchEngine.StableSeed(task.Id + "/copy"));
            copy.to(_device);
            // Held out as a task stitch is: the copy stitch stops when its held-out MSE stops improving, with the best weights kept.
            var hasHoldout = _data.HoldoutImages.shape[0] > 0;
            var trained = CopyTask.Train(copy, senderTrain, expectedTrain,
                hasHoldout ? engine.Activations(task.Sender, task.SenderLayer, "holdout", _data.HoldoutImages, ct) : null,
                hasHoldout ? engine.Activations(task.Receiver, task.ReceiverLayer, "holdout", _data.HoldoutImages, ct) : null,
                settings, task.StitchSeed, ct);
            var cmp = CopyTask.Compare(copy, senderTest, expectedTest);
            row = row with
            {
                CopyEpochs = trained.Epochs, CopyConverged = trained.Converged,
                CopyAccuracy = Accuracy(task, copy, senderTest, ct), CopyMse = cmp.Mse, CopyNormalizedMse = cmp.NormalizedMse,
                CopyDistributionDistance = cmp.DistributionDistance, TaskCopyMse = CopyTask.OutputMse(taskStitch, senderTest, copy, senderTest),
            };
        }
        if (analyses.Contains(Analyses.LeastSquares))
        {
            using var ls = CopyTask.FitLeastSquares(task.Shape, senderTrain, expectedTrain, settings.Ridge, _device);
            var cmp = CopyTask.Compare(ls, senderTest, expectedTest);
            row = row with
            {
                LeastSquaresAccuracy = Accuracy(task, ls, senderTest, ct), LeastSquaresMse = cmp.Mse,
                LeastSquaresNormalizedMse = cmp.NormalizedMse, LeastSquaresDistributionDistance = cmp.DistributionDistance,
            };
        }
        if (analyses.Contains(Analyses.Cka))
        {
            _cka ??= new CkaGrams(ckaImages, _device);
            row = row with
            {
                Cka = _cka.Between($"{task.Sender.Key}/{task.SenderLayer}", senderTest, $"{task.Receiver.Key}/{task.ReceiverLayer}", expectedTest),
                CkaDebiased = _cka.DebiasedBetween($"{task.Sender.Key}/{task.SenderLayer}", senderTest, $"{task.Receiver.Key}/{task.ReceiverLayer}", expectedTest),
            };
        }
        return row;
    }

    /// <summary>Test accuracy of <paramref name="stitch"/> plugged into the task's frozen receiver suffix.</summary>
    private double Accuracy(StitchTask task, Stitch stitch, ActivationSource senderTest, CancellationToken ct)
    {
        var suffix = Suffix(task, ct);
        var member = new StitchMember(stitch, senderTest, null, senderTest);
        return StitchGroupTrainer.Evaluate([member], [0], m => m.Test, _data.TestLabels, suffix)[0].Accuracy;
    }

    private Func<Tensor, Tensor> Suffix(StitchTask task, CancellationToken ct)
    {
        var receiver = engine.Model(task.Receiver, ct).Model;
        var j = receiver.LayerIndex(task.ReceiverLayer);
        var dtype = engine.ComputeType;
        return h => receiver.ForwardSuffix(h.to(dtype), j);
    }

    /// <summary>
    /// Linear-probe baseline of the task's sender layer: its features (B, C, H, W) through a conv to one channel per class and
    /// global average pooling. Into an ordinary receiver layer the conv is 1x1, which equals a linear readout of the
    /// average-pooled features (pooling commutes with a 1x1 conv): C numbers per image. Into a head-only column (only pooling
    /// and the classifier follow the stitch) the probe takes the stitch's own kind (k x k with stride k, or 1x1 after an
    /// upsampling, which pooling makes a 1x1), so it reads the same k^2 C block-averaged features the stitch plus head does and
    /// the comparison is between equal readouts (issue 23.5: a stride-k stitch read k^2 C features against the pooled probe's C).
    /// Started from the least-squares fit of the one-hot labels (every position of the map regressed on the label), then trained
    /// with the task's recipe and stopping rule, so it starts no worse placed than a task stitch does from its own least-squares
    /// fit. In a head-only column task minus probe is then what the receiver's fixed classifier adds to, or costs, the same readout.
    /// </summary>
    private double Probe(StitchTask task, StitchSettings settings, CancellationToken ct)
    {
        var layer = ArchitectureCatalog.Layer(ResNetSpec.Parse(task.Sender.Arch), task.Sender.Width, task.SenderLayer);
        var shape = HeadOnly(task) && task.Shape.Kind == StitchKind.StridedConv
            ? task.Shape with { OutChannels = _data.Classes, BatchNorm = false }                                   // the stitch's own k^2 C readout
            : new StitchShape(StitchKind.Conv1x1, 1, layer.Channels, _data.Classes, layer.Height, layer.Height);  // pooled: C features
        var key = $"{task.Sender.Key}/{task.SenderLayer}/s{task.StitchSeed}/{shape.KindName}{shape.Factor}";
        if (_probes.TryGetValue(key, out var cached)) return cached;
        using var stitch = Stitch.Create(shape, StitchEngine.StableSeed(key + "/probe"));
        stitch.to(_device);
        var train = engine.Activations(task.Sender, task.SenderLayer, "train", _data.TrainImages, ct);
        var holdout = engine.Activations(task.Sender, task.SenderLayer, "holdout", _data.HoldoutImages, ct);
        var test = engine.Activations(task.Sender, task.SenderLayer, "test", _data.TestImages, ct);
        var fitImages = (int)Math.Min(settings.InitImages > 0 ? settings.InitImages : long.MaxValue, _data.TrainImages.shape[0]);
        using (var oneHot = nn.functional.one_hot(_data.TrainLabels.slice(0, 0, fitImages, 1), _data.Classes).to(ScalarType.Float32)
                   .view(fitImages, _data.Classes, 1, 1).expand(fitImages, _data.Classes, shape.OutSize, shape.OutSize).contiguous()) // (N, classes, R, R)
        using (var target = ActivationSource.Cached(x => x, oneHot, ScalarType.Float32))
            StitchInitializer.FitLeastSquares(stitch, train, target, settings.Ridge, fitImages);
        var accuracy = TrainOne(task, stitch, train, holdout, test, settings with { Init = StitchInit.LeastSquares }, ct,
            h => nn.functional.adaptive_avg_pool2d(h, 1).flatten(1)); // (B, classes)
        _probes[key] = accuracy;
        _logger.LogInformation("Linear probe {Arch} {Layer} ({Kind}): {Accuracy:P1}", task.Sender.Arch, task.SenderLayer, shape.KindName, accuracy);
        return accuracy;
    }

    /// <summary>
    /// Pixel baseline: a stitch from the raw pixels (C_in, 32, 32) into the receiver layer, started from the least-squares
    /// fit to the receiver's own activations whatever the recipe's init, then trained like every stitch.
    /// </summary>
    private double PixelBaseline(StitchTask task, StitchSettings settings, CancellationToken ct)
    {
        var key = $"{task.Receiver.Key}/{task.ReceiverLayer}/s{task.StitchSeed}";
        if (_pixelBaselines.TryGetValue(key, out var cached)) return cached;
        var layer = ReceiverLayer(task);
        var pixels = new LayerInfo(-1, "pixels", 0, 0, _data.Channels, (int)_data.TrainImages.shape[2], (int)_data.TrainImages.shape[3]);
        var shape = StitchShape.Between(pixels, layer, settings.BatchNorm);
        using var stitch = Stitch.Create(shape, StitchEngine.StableSeed(key + "/pixels"));
        stitch.to(_device);
        using var train = ActivationSource.Cached(x => x, _data.TrainImages, ScalarType.Float32);
        using var holdout = ActivationSource.Cached(x => x, _data.HoldoutImages, ScalarType.Float32);
        using var test = ActivationSource.Cached(x => x, _data.TestImages, ScalarType.Float32);
        StitchInitializer.FitLeastSquares(stitch, train, engine.Activations(task.Receiver, task.ReceiverLayer, "train", _data.TrainImages, ct), settings.Ridge);
        var accuracy = TrainOne(task, stitch, train, holdout, test, settings with { Init = StitchInit.LeastSquares }, ct);
        _pixelBaselines[key] = accuracy;
        _logger.LogInformation("Pixel baseline {Arch} {Layer}: {Accuracy:P1}", task.Receiver.Arch, task.ReceiverLayer, accuracy);
        return accuracy;
    }

    /// <summary>Trains one stitch into <paramref name="suffix"/> (default: the task's receiver suffix) and returns its test accuracy.</summary>
    private double TrainOne(StitchTask task, Stitch stitch, ActivationSource train, ActivationSource holdout, ActivationSource test,
        StitchSettings settings, CancellationToken ct, Func<Tensor, Tensor>? suffix = null)
    {
        var hasHoldout = _data.HoldoutImages.shape[0] > 0;
        var member = new StitchMember(stitch, train, hasHoldout ? holdout : null, test);
        var outcome = StitchGroupTrainer.Train([member], suffix ?? Suffix(task, ct), _data.TrainLabels, hasHoldout ? _data.HoldoutLabels : null,
            _data.TestLabels, settings, task.StitchSeed, cancellationToken: ct);
        return outcome[0].Accuracy;
    }

    private bool HeadOnly(StitchTask task)
    {
        var receiver = engine.Model(task.Receiver).Model;
        return StitchEngine.IsHeadOnly(receiver, receiver.LayerIndex(task.ReceiverLayer));
    }

    private static LayerInfo ReceiverLayer(StitchTask task) =>
        ArchitectureCatalog.Layer(ResNetSpec.Parse(task.Receiver.Arch), task.Receiver.Width, task.ReceiverLayer);

    public void Dispose() => _cka?.Dispose();
}
