using Stitching.Core.Contracts;
using Stitching.GpuRunner.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Stitches;

/// <summary>
/// Trains stitches that all feed the same frozen receiver suffix. Their outputs are concatenated along the
/// batch and run through the suffix in one pass; the suffix is in eval mode (per-sample), every stitch has
/// its own optimizer and sees the same batches, so each trains exactly as it would alone, with bigger GEMMs.
/// </summary>
public static class StitchGroupTrainer
{
    /// <param name="suffix">Frozen receiver suffix: (B, C, R, R) stitched activations to logits (B, classes).</param>
    public static IReadOnlyList<StitchOutcome> Train(
        IReadOnlyList<StitchMember> members, Func<Tensor, Tensor> suffix,
        Tensor trainLabels, Tensor? holdoutLabels, Tensor testLabels,
        StitchSettings settings, int seed, Action<int>? onEpoch = null, CancellationToken cancellationToken = default)
    {
        if (members.Count == 0) return [];
        var device = trainLabels.device;
        long n = trainLabels.shape[0];
        var stepsPerEpoch = (n + settings.BatchSize - 1) / settings.BatchSize;
        var totalSteps = stepsPerEpoch * settings.Epochs;
        var warmup = (long)(settings.WarmupFraction * totalSteps);
        var optimizers = members.Select(m => CreateOptimizer(m.Stitch, settings)).ToArray();
        var best = new (double Accuracy, int Epoch, Dictionary<string, Tensor>? Weights)[members.Count];
        var active = Enumerable.Range(0, members.Count).ToList();
        using var generator = new Generator((ulong)seed); // CPU: same order on CPU and CUDA
        var epochsRun = new int[members.Count];

        try
        {
            long step = 0;
            for (var epoch = 1; epoch <= settings.Epochs && active.Count > 0; epoch++)
            {
                foreach (var m in members) m.Stitch.train();
                using var perm = randperm(n, generator: generator).to(device);
                for (long start = 0; start < n; start += settings.BatchSize, step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    using var scope = NewDisposeScope();
                    var idx = perm.slice(0, start, Math.Min(n, start + settings.BatchSize), 1);
                    var outputs = active.Select(k => members[k].Stitch.call(members[k].Train.Get(idx).to(ScalarType.Float32))).ToList();
                    var logits = suffix(cat(outputs, 0)).to(ScalarType.Float32); // (G*B, classes)
                    var y = trainLabels.index_select(0, idx).repeat(active.Count);
                    // Sum of the members' mean losses: each stitch gets exactly its own gradient.
                    var loss = nn.functional.cross_entropy(logits, y) * active.Count;
                    var lr = settings.LearningRate * LearningRateSchedule.Factor(step, totalSteps, warmup);
                    foreach (var k in active)
                    {
                        ModelTrainer.SetLearningRate(optimizers[k], lr);
                        optimizers[k].zero_grad();
                    }
                    loss.backward();
                    foreach (var k in active) optimizers[k].step();
                }
                foreach (var k in active) epochsRun[k] = epoch;

                if (holdoutLabels is not null && members.All(m => m.Holdout is not null))
                {
                    var scores = Evaluate(members, active, m => m.Holdout!, holdoutLabels, suffix);
                    for (var a = 0; a < active.Count; a++)
                    {
                        var k = active[a];
                        if (best[k].Weights is null || scores[a].Accuracy > best[k].Accuracy)
                        {
                            DisposeWeights(best[k].Weights);
                            best[k] = (scores[a].Accuracy, epoch, Snapshot(members[k].Stitch));
                        }
                    }
                    if (settings.Patience > 0)
                        active.RemoveAll(k => epoch - best[k].Epoch >= settings.Patience);
                }
                onEpoch?.Invoke(epoch);
            }

            // The held-out split chose the epoch; the test set is used once, here.
            for (var k = 0; k < members.Count; k++)
                if (best[k].Weights is { } w) members[k].Stitch.load_state_dict(w);
            var test = Evaluate(members, Enumerable.Range(0, members.Count).ToList(), m => m.Test, testLabels, suffix);
            return test.Select((e, k) => new StitchOutcome(e.Accuracy, e.Loss, epochsRun[k], best[k].Weights is null ? double.NaN : best[k].Accuracy)).ToList();
        }
        finally
        {
            foreach (var o in optimizers) o.Dispose();
            foreach (var b in best) DisposeWeights(b.Weights);
        }
    }

    /// <summary>Accuracy and loss of each listed member on one split, all members batched through the suffix together.</summary>
    public static IReadOnlyList<Evaluation> Evaluate(IReadOnlyList<StitchMember> members, IReadOnlyList<int> which,
        Func<StitchMember, ActivationSource> split, Tensor labels, Func<Tensor, Tensor> suffix, int batchSize = 500)
    {
        foreach (var k in which) members[k].Stitch.eval();
        using var _ = inference_mode();
        long n = labels.shape[0];
        var correct = new long[which.Count];
        var lossSum = new double[which.Count];
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var idx = arange(start, Math.Min(n, start + batchSize), dtype: ScalarType.Int64, device: labels.device);
            var b = idx.shape[0];
            var outputs = which.Select(k => members[k].Stitch.call(split(members[k]).Get(idx).to(ScalarType.Float32))).ToList();
            var logits = suffix(cat(outputs, 0)).to(ScalarType.Float32).reshape(which.Count, b, -1); // (G, B, classes)
            var y = labels.index_select(0, idx);
            var losses = nn.functional.cross_entropy(logits.permute(0, 2, 1), y.expand(which.Count, b), reduction: nn.Reduction.None).sum(1); // (G)
            var hits = logits.argmax(2).eq(y.unsqueeze(0)).sum(1); // (G)
            var lossArr = losses.cpu().data<float>().ToArray(); // host sync
            var hitArr = hits.cpu().data<long>().ToArray();
            for (var a = 0; a < which.Count; a++) { lossSum[a] += lossArr[a]; correct[a] += hitArr[a]; }
        }
        return Enumerable.Range(0, which.Count).Select(a => new Evaluation(correct[a] / (double)n, lossSum[a] / n, n)).ToList();
    }

    private static optim.Optimizer CreateOptimizer(Stitch stitch, StitchSettings s) => s.Optimizer.ToLowerInvariant() switch
    {
        "adam" => optim.Adam(stitch.parameters(), s.LearningRate, weight_decay: s.WeightDecay),
        "sgd" => optim.SGD(stitch.parameters(), s.LearningRate, momentum: s.Momentum, weight_decay: s.WeightDecay),
        _ => throw new ArgumentException($"Unknown stitch optimizer '{s.Optimizer}'. Use sgd or adam."),
    };

    private static Dictionary<string, Tensor> Snapshot(Stitch stitch) =>
        stitch.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static void DisposeWeights(Dictionary<string, Tensor>? weights)
    {
        if (weights is null) return;
        foreach (var t in weights.Values) t.Dispose();
    }
}
