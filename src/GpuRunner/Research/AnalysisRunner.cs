using Stitching.Core.Architectures;
using Stitching.Core.Contracts;
using Stitching.Core.Results;
using Stitching.Core.Stitches;
using Stitching.Core.Sweeps;
using Stitching.GpuRunner.Stitches;
using Stitching.GpuRunner.Sweeps;
using Stitching.GpuRunner.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Research;

/// <summary>
/// Runs a sweep like <see cref="SweepRunner"/> and, for every task-trained stitch, the analyses the spec asks for
/// (<see cref="Analyses"/>): copy-trained and least-squares stitches, their accuracies and distances from the expected
/// representation, CKA, the suffix floor, the pixel ceiling and the penalty. Writes results.csv, models.csv and the
/// sweep's matrices as a sweep does, plus analysis.csv and the analysis matrices (<see cref="AnalysisOutputs"/>).
/// Unlike <see cref="SweepRunner"/> it does not resume: the analyses need the trained stitches, which are not stored.
/// Floors, ceilings and CKA Gram matrices are kept across <see cref="Run"/> calls, so experiments sharing a receiver share them.
/// </summary>
public sealed class AnalysisRunner(StitchEngine engine, SweepData data, Device device, Action<string>? log = null) : IDisposable
{
    /// <summary>Test images used for CKA (the first ones of the test split).</summary>
    public int CkaImages { get; init; } = 1000;
    /// <summary>Also render one PNG per metric and variant (JSON is always written).</summary>
    public bool RenderMetricPngs { get; init; } = true;

    private readonly Dictionary<string, double> _floors = new();
    private readonly Dictionary<string, double> _ceilings = new();
    private CkaGrams? _cka;

    public (IReadOnlyList<StitchResult> Results, IReadOnlyList<AnalysisResult> Analyses) Run(SweepSpec spec, string outDirectory,
        IProgress<SweepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var plan = SweepPlan.Create(spec);
        var analyses = Analyses.Resolve(spec.Analyses);
        bool Wants(string a) => analyses.Contains(a);
        Directory.CreateDirectory(outDirectory);
        var models = plan.Models.Select(m => engine.Model(m, cancellationToken).Info.ToResult()).ToList();
        ModelsCsv.WriteFile(Path.Combine(outDirectory, SweepOutputs.ModelsFile), models);

        var rows = new List<StitchResult>();
        var analysisRows = new List<AnalysisResult>();
        var total = plan.Stitches.Count();
        var done = 0;
        foreach (var pair in plan.Pairs)
        {
            foreach (var group in StitchEngine.Groups(pair.Stitches))
            {
                var first = group[0];
                var label = $"{first.Receiver.Arch} {(first.Receiver.Trained ? "trained" : "random")} layer {first.ReceiverLayer} <- {group.Count} stitches";
                progress?.Report(new SweepProgress(done, total, label));
                var floor = Wants(Analyses.Floor) ? Floor(first, spec.Stitch, cancellationToken) : double.NaN;
                var ceiling = Wants(Analyses.Ceiling) ? Ceiling(first, spec.Stitch, cancellationToken) : double.NaN;
                var receiverAccuracy = engine.Model(first.Receiver, cancellationToken).Info.TestAccuracy;
                var trained = engine.TrainGroup(group, spec.Stitch, cancellationToken: cancellationToken);
                for (var k = 0; k < group.Count; k++)
                {
                    var (result, stitch) = trained[k];
                    using (stitch)
                    {
                        rows.Add(result);
                        var row = Analyze(group[k], stitch, spec.Stitch, analyses, cancellationToken) with
                        {
                            TaskAccuracy = result.Accuracy, FloorAccuracy = floor, CeilingAccuracy = ceiling,
                            ReceiverAccuracy = Wants(Analyses.Penalty) ? receiverAccuracy : double.NaN,
                        };
                        analysisRows.Add(row);
                    }
                }
                done += group.Count;
                progress?.Report(new SweepProgress(done, total, label));
            }
            // Activations of this pair are not needed again; CKA Grams and controls are kept.
            engine.ClearActivations();
        }
        ResultsCsv.WriteFile(Path.Combine(outDirectory, SweepOutputs.ResultsFile), rows);
        AnalysisCsv.WriteFile(Path.Combine(outDirectory, AnalysisCsv.FileName), analysisRows);
        SweepOutputs.WriteMatrices(outDirectory, plan, rows);
        AnalysisOutputs.Write(outDirectory, plan, analysisRows, RenderMetricPngs);
        return (rows, analysisRows);
    }

    /// <summary>Task-stitch distances, copy and least-squares stitches, and CKA of one cell.</summary>
    private AnalysisResult Analyze(StitchTask task, Stitch taskStitch, StitchSettings settings, IReadOnlyList<string> analyses, CancellationToken ct)
    {
        var row = new AnalysisResult(task.Variant.Name(), task.Sender.Arch, task.Sender.Seed, task.SenderLayer,
            task.Receiver.Arch, task.Receiver.Seed, task.ReceiverLayer, task.StitchSeed);
        var senderTrain = engine.Activations(task.Sender, task.SenderLayer, "train", data.TrainImages, ct);
        var senderTest = engine.Activations(task.Sender, task.SenderLayer, "test", data.TestImages, ct);
        var expectedTrain = engine.Activations(task.Receiver, task.ReceiverLayer, "train", data.TrainImages, ct);
        var expectedTest = engine.Activations(task.Receiver, task.ReceiverLayer, "test", data.TestImages, ct);

        var taskCmp = CopyTask.Compare(taskStitch, senderTest, expectedTest);
        row = row with { TaskMse = taskCmp.Mse, TaskNormalizedMse = taskCmp.NormalizedMse, TaskDistributionDistance = taskCmp.DistributionDistance };

        var compared = new List<Stitch>();
        if (analyses.Contains(Analyses.Copy))
        {
            // Starting from the least-squares fit would start at the copying task's optimum; the copy stitch is trained from scratch.
            using var copy = Stitch.Create(task.Shape with { BatchNorm = false }, StitchEngine.StableSeed(task.Id + "/copy"));
            copy.to(device);
            CopyTask.Train(copy, senderTrain, expectedTrain, settings, task.StitchSeed, ct);
            var cmp = CopyTask.Compare(copy, senderTest, expectedTest);
            row = row with
            {
                CopyAccuracy = Accuracy(task, copy, senderTest, ct), CopyMse = cmp.Mse, CopyNormalizedMse = cmp.NormalizedMse,
                CopyDistributionDistance = cmp.DistributionDistance, TaskCopyMse = CopyTask.OutputMse(taskStitch, senderTest, copy, senderTest),
            };
        }
        if (analyses.Contains(Analyses.LeastSquares))
        {
            using var ls = CopyTask.FitLeastSquares(task.Shape, senderTrain, expectedTrain, settings.Ridge, device);
            var cmp = CopyTask.Compare(ls, senderTest, expectedTest);
            row = row with
            {
                LeastSquaresAccuracy = Accuracy(task, ls, senderTest, ct), LeastSquaresMse = cmp.Mse,
                LeastSquaresNormalizedMse = cmp.NormalizedMse, LeastSquaresDistributionDistance = cmp.DistributionDistance,
            };
        }
        if (analyses.Contains(Analyses.Cka))
        {
            _cka ??= new CkaGrams(CkaImages, device);
            row = row with
            {
                Cka = _cka.Between($"{task.Sender.Key}/{task.SenderLayer}", senderTest, $"{task.Receiver.Key}/{task.ReceiverLayer}", expectedTest),
            };
        }
        return row;
    }

    /// <summary>Test accuracy of <paramref name="stitch"/> plugged into the task's frozen receiver suffix.</summary>
    private double Accuracy(StitchTask task, Stitch stitch, ActivationSource senderTest, CancellationToken ct)
    {
        var suffix = Suffix(task, ct);
        var member = new StitchMember(stitch, senderTest, null, senderTest);
        return StitchGroupTrainer.Evaluate([member], [0], m => m.Test, data.TestLabels, suffix)[0].Accuracy;
    }

    private Func<Tensor, Tensor> Suffix(StitchTask task, CancellationToken ct)
    {
        var receiver = engine.Model(task.Receiver, ct).Model;
        var j = receiver.LayerIndex(task.ReceiverLayer);
        var dtype = engine.ComputeType;
        return h => receiver.ForwardSuffix(h.to(dtype), j);
    }

    /// <summary>Suffix floor: the receiver fed a learned per-channel constant at the replaced layer, trained on the task.</summary>
    private double Floor(StitchTask task, StitchSettings settings, CancellationToken ct)
    {
        var key = $"{task.Receiver.Key}/{task.ReceiverLayer}/s{task.StitchSeed}";
        if (_floors.TryGetValue(key, out var cached)) return cached;
        var layer = ReceiverLayer(task);
        var shape = new StitchShape(StitchKind.Conv1x1, 1, 1, layer.Channels, layer.Height, layer.Height);
        using var stitch = Stitch.Create(shape, StitchEngine.StableSeed(key + "/floor"));
        stitch.to(device);
        using var train = new ConstantActivations(data.TrainImages.shape[0], layer.Height, device);
        using var holdout = new ConstantActivations(data.HoldoutImages.shape[0], layer.Height, device);
        using var test = new ConstantActivations(data.TestImages.shape[0], layer.Height, device);
        // Starts at the expected representation's per-channel mean (the least-squares constant), then trains on the task.
        StitchInitializer.FitLeastSquares(stitch, train, engine.Activations(task.Receiver, task.ReceiverLayer, "train", data.TrainImages, ct), settings.Ridge);
        var accuracy = TrainOne(task, stitch, train, holdout, test, settings, ct);
        _floors[key] = accuracy;
        log?.Invoke($"Floor {task.Receiver.Arch} {task.ReceiverLayer}: {accuracy:P1}");
        return accuracy;
    }

    /// <summary>Capacity ceiling: a stitch from the raw pixels (C_in, 32, 32) into the receiver layer, trained on the task.</summary>
    private double Ceiling(StitchTask task, StitchSettings settings, CancellationToken ct)
    {
        var key = $"{task.Receiver.Key}/{task.ReceiverLayer}/s{task.StitchSeed}";
        if (_ceilings.TryGetValue(key, out var cached)) return cached;
        var layer = ReceiverLayer(task);
        var pixels = new LayerInfo(-1, "pixels", 0, 0, data.Channels, (int)data.TrainImages.shape[2], (int)data.TrainImages.shape[3]);
        var shape = StitchShape.Between(pixels, layer, settings.BatchNorm);
        using var stitch = Stitch.Create(shape, StitchEngine.StableSeed(key + "/ceiling"));
        stitch.to(device);
        using var train = ActivationSource.Cached(x => x, data.TrainImages, ScalarType.Float32);
        using var holdout = ActivationSource.Cached(x => x, data.HoldoutImages, ScalarType.Float32);
        using var test = ActivationSource.Cached(x => x, data.TestImages, ScalarType.Float32);
        if (settings.Init.Equals("least-squares", StringComparison.OrdinalIgnoreCase))
            StitchInitializer.FitLeastSquares(stitch, train, engine.Activations(task.Receiver, task.ReceiverLayer, "train", data.TrainImages, ct), settings.Ridge);
        var accuracy = TrainOne(task, stitch, train, holdout, test, settings, ct);
        _ceilings[key] = accuracy;
        log?.Invoke($"Ceiling {task.Receiver.Arch} {task.ReceiverLayer}: {accuracy:P1}");
        return accuracy;
    }

    private double TrainOne(StitchTask task, Stitch stitch, ActivationSource train, ActivationSource holdout, ActivationSource test,
        StitchSettings settings, CancellationToken ct)
    {
        var hasHoldout = data.HoldoutImages.shape[0] > 0;
        var member = new StitchMember(stitch, train, hasHoldout ? holdout : null, test);
        var outcome = StitchGroupTrainer.Train([member], Suffix(task, ct), data.TrainLabels, hasHoldout ? data.HoldoutLabels : null,
            data.TestLabels, settings, task.StitchSeed, cancellationToken: ct);
        return outcome[0].Accuracy;
    }

    private LayerInfo ReceiverLayer(StitchTask task) =>
        ArchitectureCatalog.Layer(ResNetSpec.Parse(task.Receiver.Arch), task.Receiver.Width, task.ReceiverLayer);

    public void Dispose() => _cka?.Dispose();
}
