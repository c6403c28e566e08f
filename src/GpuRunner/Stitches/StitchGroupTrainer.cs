using Stitching.Core.Contracts;
using Stitching.Core.Results;
using Stitching.GpuRunner.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Stitches;

/// <summary>
/// Trains stitches that all feed the same frozen receiver suffix. Their outputs are concatenated along the batch
/// and run through the suffix together, up to <c>maxRowsPerPass</c> rows at a time; the suffix is in eval mode
/// (per-sample), every stitch has its own optimizer and sees the same batches, so each trains exactly as it would
/// alone. The held-out split is checked <see cref="StitchSettings.EvalsPerEpoch"/> times per epoch; each stitch keeps
/// the weights with the lowest held-out loss and stops, converged, once <see cref="StitchSettings.Patience"/> checks
/// after warm-up brought no significant gain (<see cref="SignificantlyLower"/>); a stitch still improving at
/// <see cref="StitchSettings.Epochs"/> stops there unconverged. Every check is kept as the stitch's curve.
/// </summary>
public static class StitchGroupTrainer
{
    /// <param name="suffix">Frozen receiver suffix: (B, C, R, R) stitched activations to logits (B, classes).</param>
    /// <param name="maxRowsPerPass">Rows per suffix pass: on CPUs small passes stay in cache, on GPUs big ones fill the device.</param>
    public static IReadOnlyList<StitchOutcome> Train(
        IReadOnlyList<StitchMember> members, Func<Tensor, Tensor> suffix,
        Tensor trainLabels, Tensor? holdoutLabels, Tensor testLabels,
        StitchSettings settings, int seed, Action<int>? onEpoch = null, int maxRowsPerPass = int.MaxValue,
        CancellationToken cancellationToken = default)
    {
        if (members.Count == 0) return [];
        var device = trainLabels.device;
        long n = trainLabels.shape[0];
        var stepsPerEpoch = (n + settings.BatchSize - 1) / settings.BatchSize;
        var totalSteps = stepsPerEpoch * settings.Epochs;
        var warmup = (long)(settings.WarmupFraction * totalSteps);
        var checkEvery = Math.Max(1, stepsPerEpoch / Math.Max(1, settings.EvalsPerEpoch));
        var useHoldout = settings.EvalsPerEpoch > 0 && holdoutLabels is not null && holdoutLabels.shape[0] > 0 && members.All(m => m.Holdout is not null);
        var optimizers = members.Select(m => CreateOptimizer(m.Stitch, settings)).ToArray();
        // The weights kept: the lowest held-out loss seen. The stopping rule's reference: the per-image held-out losses
        // at the last significant gain, and the check it came at.
        var best = new (double Accuracy, double Loss, Dictionary<string, Tensor>? Weights)[members.Count];
        var reference = new (float[]? Losses, int Check)[members.Count];
        var converged = new bool[members.Count];
        var stepsRun = new long[members.Count];
        var curves = members.Select(_ => new List<CurvePoint>()).ToArray();
        var active = Enumerable.Range(0, members.Count).ToList();
        var membersPerPass = Math.Max(1, maxRowsPerPass / settings.BatchSize);
        var evalRows = Math.Min(maxRowsPerPass, 4096);
        using var generator = new Generator((ulong)seed); // CPU: the same order on CPU and CUDA
        var check = 0;
        int? firstCheckAfterWarmup = null;

        void CheckHoldout(long stepsDone)
        {
            if (!useHoldout) return;
            var scores = Evaluate(members, active, m => m.Holdout!, holdoutLabels!, suffix, evalRows, out var losses);
            for (var a = 0; a < active.Count; a++)
            {
                var k = active[a];
                curves[k].Add(new CurvePoint((double)stepsDone / stepsPerEpoch, scores[a].Loss, scores[a].Accuracy));
                if (best[k].Weights is null || scores[a].Loss < best[k].Loss)
                {
                    DisposeWeights(best[k].Weights);
                    best[k] = (scores[a].Accuracy, scores[a].Loss, Snapshot(members[k].Stitch));
                }
                if (reference[k].Losses is null || SignificantlyLower(losses[a], reference[k].Losses!, settings.MinGainStandardErrors))
                    reference[k] = (losses[a], check);
            }
            // Warm-up ramps the learning rate from 0, so its flat start is no plateau: patience counts from the first check after it.
            if (stepsDone >= warmup) firstCheckAfterWarmup ??= check;
            if (settings.Patience > 0 && firstCheckAfterWarmup is { } start)
                foreach (var k in active.Where(k => check - Math.Max(reference[k].Check, start) >= settings.Patience).ToList())
                {
                    converged[k] = true;
                    active.Remove(k);
                }
            check++;
        }

        try
        {
            CheckHoldout(0); // the initialization itself (e.g. the least-squares fit) may already be the best
            long step = 0;
            for (var epoch = 1; epoch <= settings.Epochs && active.Count > 0; epoch++)
            {
                using var perm = randperm(n, generator: generator).to(device);
                for (long start = 0; start < n && active.Count > 0; start += settings.BatchSize, step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var lr = settings.LearningRate * LearningRateSchedule.Factor(step, totalSteps, warmup);
                    foreach (var k in active)
                    {
                        members[k].Stitch.train();
                        ModelTrainer.SetLearningRate(optimizers[k], lr);
                        optimizers[k].zero_grad();
                        stepsRun[k]++;
                    }
                    using (var scope = NewDisposeScope())
                    {
                        var idx = perm.slice(0, start, Math.Min(n, start + settings.BatchSize), 1);
                        var y = trainLabels.index_select(0, idx);
                        foreach (var pass in active.Chunk(membersPerPass))
                        {
                            using var passScope = NewDisposeScope();
                            var outputs = pass.Select(k => members[k].Stitch.call(members[k].Train.Get(idx).to(ScalarType.Float32))).ToList();
                            var logits = suffix(cat(outputs, 0)).to(ScalarType.Float32); // (G*B, classes)
                            // Sum of the members' mean losses: each stitch gets exactly its own gradient.
                            var loss = nn.functional.cross_entropy(logits, y.repeat(pass.Length)) * pass.Length;
                            loss.backward();
                        }
                    }
                    foreach (var k in active) optimizers[k].step();
                    if ((step + 1) % checkEvery == 0) CheckHoldout(step + 1);
                }
                onEpoch?.Invoke(epoch);
            }
            if (active.Count > 0 && step % checkEvery != 0) CheckHoldout(step);

            // The held-out split chose the weights; the test set is used once, here.
            for (var k = 0; k < members.Count; k++)
                if (best[k].Weights is { } w) members[k].Stitch.load_state_dict(w);
            var test = Evaluate(members, Enumerable.Range(0, members.Count).ToList(), m => m.Test, testLabels, suffix, evalRows);
            return test.Select((e, k) => new StitchOutcome(e.Accuracy, e.Loss, (double)stepsRun[k] / stepsPerEpoch,
                best[k].Weights is null ? double.NaN : best[k].Accuracy, converged[k], curves[k])).ToList();
        }
        finally
        {
            foreach (var o in optimizers) o.Dispose();
            foreach (var b in best) DisposeWeights(b.Weights);
        }
    }

    /// <summary>Accuracy and loss of each listed member on one split, members batched through the suffix together.</summary>
    public static IReadOnlyList<Evaluation> Evaluate(IReadOnlyList<StitchMember> members, IReadOnlyList<int> which,
        Func<StitchMember, ActivationSource> split, Tensor labels, Func<Tensor, Tensor> suffix, int rowsPerPass = 1024) =>
        Evaluate(members, which, split, labels, suffix, rowsPerPass, out _);

    /// <summary>As above, also giving each member's per-image cross-entropy (host arrays of the split's length).</summary>
    public static IReadOnlyList<Evaluation> Evaluate(IReadOnlyList<StitchMember> members, IReadOnlyList<int> which,
        Func<StitchMember, ActivationSource> split, Tensor labels, Func<Tensor, Tensor> suffix, int rowsPerPass, out float[][] losses)
    {
        foreach (var k in which) members[k].Stitch.eval();
        using var _ = inference_mode();
        long n = labels.shape[0];
        var correct = new long[which.Count];
        var perImage = which.Select(_ => new float[n]).ToArray();
        var batch = Math.Max(1, Math.Min(n, rowsPerPass));
        for (long start = 0; start < n; start += batch)
        {
            using var scope = NewDisposeScope();
            var idx = arange(start, Math.Min(n, start + batch), dtype: ScalarType.Int64, device: labels.device);
            var y = labels.index_select(0, idx);
            for (var a = 0; a < which.Count; a++)
            {
                using var memberScope = NewDisposeScope();
                var member = members[which[a]];
                var logits = suffix(member.Stitch.call(split(member).Get(idx).to(ScalarType.Float32))).to(ScalarType.Float32); // (B, classes)
                nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.None).cpu().data<float>().CopyTo(perImage[a], (int)start); // host sync
                correct[a] += logits.argmax(1).eq(y).sum().item<long>();
            }
        }
        losses = perImage;
        return Enumerable.Range(0, which.Count).Select(a => new Evaluation(correct[a] / (double)n, perImage[a].Average(x => (double)x), n)).ToList();
    }

    /// <summary>
    /// Whether <paramref name="now"/>'s per-image held-out losses are lower than <paramref name="reference"/>'s by more than
    /// <paramref name="standardErrors"/> standard errors of the mean paired difference, sd(d) / sqrt(n) with d = now - reference
    /// per image: a one-sided paired z-test (2 SE: about 2% false gains), so the gain needed follows the held-out set's
    /// size. Why loss and pairs rather than accuracy: accuracy on n images moves in steps of 1/n with a standard error of
    /// sqrt(p(1-p)/n) (2.6 points at p = 0.8 on 300 images, 2 SE = 5 points), which a stitch that is still learning
    /// rarely gains within a few checks, so an accuracy threshold stops it early and calls that converged; the paired
    /// loss difference between two checkpoints of one stitch varies far less than either loss, and it sees the
    /// probability moving on images whose argmax has not flipped yet.
    /// </summary>
    public static bool SignificantlyLower(IReadOnlyList<float> now, IReadOnlyList<float> reference, double standardErrors)
    {
        var n = now.Count;
        if (n != reference.Count) throw new ArgumentException($"Paired losses need equal lengths, got {n} and {reference.Count}.");
        if (n < 2) return n == 1 && now[0] < reference[0];
        double mean = 0, squares = 0;
        for (var i = 0; i < n; i++) mean += now[i] - (double)reference[i];
        mean /= n;
        for (var i = 0; i < n; i++) squares += Math.Pow(now[i] - (double)reference[i] - mean, 2);
        var standardError = Math.Sqrt(squares / (n - 1) / n);
        return mean < -standardErrors * standardError;
    }

    /// <summary>The stitch's optimizer from the settings: SGD with momentum, or Adam; weight decay on both.</summary>
    public static optim.Optimizer CreateOptimizer(Stitch stitch, StitchSettings s) => s.Optimizer.ToLowerInvariant() switch
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
