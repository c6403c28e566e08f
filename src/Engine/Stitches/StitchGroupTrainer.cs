using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Engine.Training;
using Stitching.Reporting.Tables;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Stitches;

/// <summary>
/// Trains stitches that all feed the same frozen receiver suffix. Their outputs are concatenated along the batch
/// and run through the suffix together, up to <c>maxRowsPerPass</c> rows at a time; the suffix is in eval mode
/// (per-sample), every stitch has its own optimizer and sees the same batches, so each trains exactly as it would
/// alone. The schedule, held-out checks, best weights and stopping rule are <see cref="TrainingLoop"/>'s: the held-out
/// split is checked <see cref="StitchSettings.EvalsPerEpoch"/> times per epoch; each stitch keeps the weights with the
/// lowest held-out loss and stops, converged, once <see cref="StitchSettings.Patience"/> epochs of checks after warm-up brought no
/// significant gain (<see cref="SignificantlyLower"/>); a stitch still improving at <see cref="StitchSettings.Epochs"/>
/// stops there unconverged. Every check is kept as the stitch's curve.
/// </summary>
public static class StitchGroupTrainer
{
    /// <param name="suffix">Frozen receiver suffix: (B, C, R, R) stitched activations to logits (B, classes).</param>
    /// <param name="maxRowsPerPass">Rows per suffix pass: on CPUs small passes stay in cache, on GPUs big ones fill the device.</param>
    /// <param name="checkpoint">Where the group's state is saved at epoch ends and resumed from (<see cref="TrainingLoop"/>); null: nowhere.</param>
    public static IReadOnlyList<StitchOutcome> Train(
        IReadOnlyList<StitchMember> members, Func<Tensor, Tensor> suffix,
        Tensor trainLabels, Tensor? holdoutLabels, Tensor testLabels,
        StitchSettings settings, int seed, Action<int>? onEpoch = null, int maxRowsPerPass = int.MaxValue, LoopCheckpoint? checkpoint = null,
        CancellationToken cancellationToken = default)
    {
        if (members.Count == 0) return [];
        long n = trainLabels.shape[0];
        var useHoldout = holdoutLabels is not null && holdoutLabels.shape[0] > 0 && members.All(m => m.Holdout is not null);
        var membersPerPass = Math.Max(1, maxRowsPerPass / settings.BatchSize);
        var evalRows = Math.Min(maxRowsPerPass, 4096);
        var result = TrainingLoop.Run(members.Select(m => (nn.Module)m.Stitch).ToList(), k => CreateOptimizer(members[k].Stitch, settings),
            n, trainLabels.device, LoopSettings.ForStitch(settings, n), seed,
            (idx, active, _) =>
            {
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
                return null;
            },
            useHoldout ? active => Evaluate(members, active, m => m.Holdout!, holdoutLabels!, suffix, evalRows, out var losses)
                .Select((e, a) => new HoldoutScore(e.Loss, e.Accuracy, losses[a])).ToList() : null,
            onEpoch is null ? null : (epoch, _) => onEpoch(epoch), checkpoint, cancellationToken);

        // The held-out split chose the weights; the test set is used once, here.
        var test = Evaluate(members, Enumerable.Range(0, members.Count).ToList(), m => m.Test, testLabels, suffix, evalRows);
        return test.Zip(result.Members, (e, o) => new StitchOutcome(e.Accuracy, e.Loss, o.Epochs, o.Best?.Accuracy ?? double.NaN, o.Converged, o.Curve, o.Stop))
            .ToList();
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
    public static optim.Optimizer CreateOptimizer(Stitch stitch, StitchSettings s) => s.Optimizer switch
    {
        StitchOptimizer.Adam => optim.Adam(stitch.parameters(), s.LearningRate, weight_decay: s.WeightDecay),
        StitchOptimizer.Sgd => optim.SGD(stitch.parameters(), s.LearningRate, momentum: s.Momentum, weight_decay: s.WeightDecay),
        _ => throw new ArgumentException($"Unknown stitch optimizer '{s.Optimizer}'. Use {WireNames.Allowed<StitchOptimizer>()}."),
    };
}
