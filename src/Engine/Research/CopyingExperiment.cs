using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Stitches;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using static TorchSharp.torch;

namespace Stitching.Engine.Research;

/// <summary>
/// One stitch of the copying experiment, measured on the test split. Kind: "task" (cross-entropy, from <see cref="Start"/>),
/// "placebo" (the recipe with no task gradient, from the same start, for as many steps as the task stitch had run at its kept check; its Epochs), "trade-off"
/// (cross-entropy + <see cref="Lambda"/> x normalized copy MSE, from PyTorch's init) or "ls-copy" (the closed-form
/// least-squares stitch of the copying task over all training images: its exact optimum). Distances are MSEs of the stitch's
/// output divided by the variance of the expected representation (the receiver's own activations at the replaced layer):
/// to it (NmseExpected), to the least-squares copy's output (NmseLsCopy) and to the stitch's own start (NmseFromStart).
/// </summary>
public sealed record CopyingRow(
    int SenderSeed, int ReceiverSeed, string SenderLayer, string ReceiverLayer, string Kind, string Start, int StitchSeed, double Lambda,
    double Epochs, StopReason Stop, double Accuracy, double Agreement, double Kl, double NmseExpected, double NmseLsCopy, double NmseFromStart);

/// <summary>The output distance (normalized MSE on the test split) between two task stitches of one cell and network pair.</summary>
public sealed record CopyingDistance(int SenderSeed, int ReceiverSeed, string SenderLayer, string ReceiverLayer,
    string StartA, int SeedA, string StartB, int SeedB, double Nmse);

/// <summary>
/// The copying question (issue 23.1) asked without building the answer in: per network pair and cell, task stitches from
/// every possible start (PyTorch's init, least squares, identity where the shapes are equal) and several stitch seeds; the
/// least-squares copy; a placebo per task stitch; a trade-off curve; and every stitch's functional agreement with the
/// receiver beside its representational distances. <see cref="CopyingSummary"/> reads the rows.
/// </summary>
public sealed class CopyingExperiment(StitchEngine engine, ILogger<CopyingExperiment>? logger = null)
{
    private readonly ILogger _logger = logger ?? NullLogger<CopyingExperiment>.Instance;

    public static IReadOnlyList<StitchInit> Starts(StitchShape shape) =>
        shape.Kind == StitchKind.Conv1x1 && shape.InChannels == shape.OutChannels && !shape.BatchNorm
            ? [StitchInit.Default, StitchInit.LeastSquares, StitchInit.Identity]
            : [StitchInit.Default, StitchInit.LeastSquares];

    public (IReadOnlyList<CopyingRow> Rows, IReadOnlyList<CopyingDistance> Distances) Run(CopyingOptions options, CancellationToken ct = default)
    {
        var plan = SweepPlan.Create(options.Spec);
        var rows = new List<CopyingRow>();
        var distances = new List<CopyingDistance>();
        var tasks = plan.Stitches.Where(t => options.Cells.Contains((t.SenderLayer, t.ReceiverLayer))).ToList();
        foreach (var cell in tasks.GroupBy(t => (t.Sender.Key, t.Receiver.Key, t.SenderLayer, t.ReceiverLayer)))
        {
            var cellIndex = options.Cells.ToList().IndexOf((cell.Key.SenderLayer, cell.Key.ReceiverLayer));
            var (cellRows, cellDistances) = RunCell(cell.ToList(), options, options.TradeOffCells.Contains(cellIndex), ct);
            rows.AddRange(cellRows);
            distances.AddRange(cellDistances);
            engine.ClearActivations();
        }
        return (rows, distances);
    }

    private (List<CopyingRow>, List<CopyingDistance>) RunCell(IReadOnlyList<StitchTask> seeds, CopyingOptions options, bool tradeOff, CancellationToken ct)
    {
        var data = engine.Data;
        var first = seeds[0];
        var receiver = engine.Model(first.Receiver, ct).Model;
        var j = receiver.LayerIndex(first.ReceiverLayer);
        var dtype = engine.ComputeType;
        Tensor Suffix(Tensor h) => receiver.ForwardSuffix(h.to(dtype), j);
        var senderTrain = engine.Activations(first.Sender, first.SenderLayer, "train", data.TrainImages, ct);
        var senderHoldout = engine.Activations(first.Sender, first.SenderLayer, "holdout", data.HoldoutImages, ct);
        var senderTest = engine.Activations(first.Sender, first.SenderLayer, "test", data.TestImages, ct);
        var expectedTrain = engine.Activations(first.Receiver, first.ReceiverLayer, "train", data.TrainImages, ct);
        var expectedHoldout = engine.Activations(first.Receiver, first.ReceiverLayer, "holdout", data.HoldoutImages, ct);
        var expectedTest = engine.Activations(first.Receiver, first.ReceiverLayer, "test", data.TestImages, ct);
        var variance = CopyingMeasures.Variance(expectedTest, engine.Device);
        using var receiverLogits = Logits(receiver, data.TestImages, dtype);
        using var ls = CopyTask.FitLeastSquares(first.Shape, senderTrain, expectedTrain, options.Stitch.Ridge, engine.Device);

        var rows = new List<CopyingRow>();
        CopyingRow Measure(Stitch s, string kind, string start, int seed, double lambda, double epochs, StopReason stop, Stitch? from)
        {
            var f = CopyingMeasures.Functional(s, senderTest, Suffix, receiverLogits, data.TestLabels);
            double Distance(Stitch other) => CopyTask.OutputMse(s, senderTest, other, senderTest) / variance;
            var row = new CopyingRow(first.Sender.Seed, first.Receiver.Seed, first.SenderLayer, first.ReceiverLayer, kind, start, seed, lambda,
                epochs, stop, f.Accuracy, f.Agreement, f.Kl, CopyTask.Compare(s, senderTest, expectedTest).Mse / variance, Distance(ls),
                from is null ? double.NaN : Distance(from));
            // Wrong must be loud: a NaN distance or accuracy would quietly drop out of every mean.
            if (new[] { row.Accuracy, row.Agreement, row.Kl, row.NmseExpected, row.NmseLsCopy }.Any(v => !double.IsFinite(v)))
                throw new InvalidOperationException($"Copying experiment: a non-finite measurement for the {kind} stitch {start} seed {seed} of {first.SenderLayer}->{first.ReceiverLayer} ({first.Sender.Key} -> {first.Receiver.Key}): {row}.");
            rows.Add(row);
            return row;
        }
        Measure(ls, "ls-copy", "none", -1, double.NaN, 0, StopReason.Unchecked, null);

        var trained = new List<(string Start, int Seed, Stitch Stitch)>();
        try
        {
            foreach (var init in Starts(first.Shape))
            {
                var settings = options.Stitch with { Init = init };
                foreach (var task in seeds)
                {
                    var (result, stitch) = engine.TrainGroup([task], settings, cancellationToken: ct)[0];
                    trained.Add((init.Name(), task.StitchSeed, stitch));
                    using var start = engine.InitialStitch(task, settings, ct);
                    Measure(stitch, "task", init.Name(), task.StitchSeed, 0, result.Epochs, result.Stop, start);
                    using var placebo = engine.InitialStitch(task, settings, ct);
                    var kept = KeptEpoch(result.Curve, result.Epochs);
                    var steps = (long)Math.Round(kept * TrainingLoop.StepsPerEpoch(data.TrainLabels.shape[0], settings.BatchSize));
                    CopyingMeasures.Placebo(placebo, settings, data.TrainLabels.shape[0], steps);
                    Measure(placebo, "placebo", init.Name(), task.StitchSeed, double.NaN, kept, StopReason.Unchecked, start);
                    _logger.LogInformation("{Cell} {Pair}: {Start} seed {Seed}: {Accuracy:P1} after {Epochs:F1} epochs ({Stop})",
                        $"{first.SenderLayer}->{first.ReceiverLayer}", $"{first.Sender.Seed}->{first.Receiver.Seed}", init.Name(), task.StitchSeed, result.Accuracy, result.Epochs, result.Stop.Name());
                }
            }
            if (tradeOff)
                foreach (var lambda in options.Lambdas)
                {
                    var task = seeds[0];
                    var settings = options.Stitch with { Init = StitchInit.Default };
                    using var stitch = engine.InitialStitch(task, settings, ct);
                    using var start = engine.InitialStitch(task, settings, ct);
                    var outcome = CopyingMeasures.TradeOff(stitch, Suffix, lambda, variance, (senderTrain, expectedTrain, data.TrainLabels),
                        data.HoldoutLabels.shape[0] > 0 ? (senderHoldout, expectedHoldout, data.HoldoutLabels) : null, settings, task.StitchSeed, ct);
                    Measure(stitch, "trade-off", settings.Init.Name(), task.StitchSeed, lambda, outcome.Epochs, outcome.Stop, start);
                }
            var distances = new List<CopyingDistance>();
            for (var a = 0; a < trained.Count; a++)
                for (var b = a + 1; b < trained.Count; b++)
                    distances.Add(new CopyingDistance(first.Sender.Seed, first.Receiver.Seed, first.SenderLayer, first.ReceiverLayer,
                        trained[a].Start, trained[a].Seed, trained[b].Start, trained[b].Seed,
                        CopyTask.OutputMse(trained[a].Stitch, senderTest, trained[b].Stitch, senderTest) / variance));
            return (rows, distances);
        }
        finally
        {
            foreach (var (_, _, s) in trained) s.Dispose();
        }
    }

    /// <summary>
    /// The epoch of the task stitch's kept weights: the held-out check with the lowest loss in its curve (the loop keeps that
    /// check's weights), so the placebo runs as many steps as produced the weights it is compared with, not the steps the task
    /// stitch ran after its best check. The stored curve is thinned to <see cref="TrainingCurve.MaxPoints"/> points, so on a
    /// long run this is the nearest recorded check; without a curve (nothing held out) the epochs run.
    /// </summary>
    public static double KeptEpoch(IReadOnlyList<CurvePoint>? curve, double epochsRun) =>
        curve is { Count: > 0 } ? curve.MinBy(p => p.Loss)!.Epoch : epochsRun;

    /// <summary>The receiver's own logits (N, classes) on <paramref name="images"/>, float32.</summary>
    private static Tensor Logits(Models.ResNet receiver, Tensor images, ScalarType dtype, int batchSize = 500)
    {
        using var _ = inference_mode();
        var parts = new List<Tensor>();
        for (long start = 0; start < images.shape[0]; start += batchSize)
            parts.Add(receiver.call(images.slice(0, start, Math.Min(images.shape[0], start + batchSize), 1).to(dtype)).to(ScalarType.Float32));
        var all = cat(parts, 0);
        foreach (var p in parts) p.Dispose();
        return all;
    }
}
