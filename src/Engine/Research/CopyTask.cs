using Stitching.Domain.Contracts;
using Stitching.Domain.Stitches;
using Stitching.Engine.Representations;
using Stitching.Engine.Stitches;
using Stitching.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Research;

/// <summary>
/// The copying task of the seed paper (section 1.2): inputs are the sender layer's outputs, targets the receiver's
/// expected representation (its own output at the replaced layer) on the same images. A stitch is trained on it with
/// MSE, or fitted in closed form by least squares; either is then compared with the expected representation.
/// </summary>
public static class CopyTask
{
    /// <summary>
    /// Trains <paramref name="stitch"/> to map <paramref name="input"/> to <paramref name="target"/> by mean squared error,
    /// with the optimizer, learning-rate schedule, epoch cap, batch size and held-out stopping rule of
    /// <paramref name="settings"/>, as a task stitch (<see cref="TrainingLoop"/>): with a held-out split
    /// (<paramref name="holdoutInput"/>, <paramref name="holdoutTarget"/>) its MSE is checked
    /// <see cref="StitchSettings.EvalsPerEpoch"/> times per epoch, the weights of the lowest held-out MSE are kept, and
    /// training stops, converged, once <see cref="StitchSettings.Patience"/> epochs of checks after warm-up brought no significant
    /// gain in the per-image MSE (<see cref="StitchGroupTrainer.SignificantlyLower"/>). Without one it runs to the cap.
    /// </summary>
    public static CopyOutcome Train(Stitch stitch, ActivationSource input, ActivationSource target,
        ActivationSource? holdoutInput, ActivationSource? holdoutTarget, StitchSettings settings, int seed,
        CancellationToken cancellationToken = default)
    {
        if (input.Count != target.Count) throw new ArgumentException($"Inputs ({input.Count}) and targets ({target.Count}) must cover the same images.");
        if ((holdoutInput is null) != (holdoutTarget is null) || holdoutInput is not null && holdoutInput.Count != holdoutTarget!.Count)
            throw new ArgumentException("Held-out inputs and targets must both be given, for the same images.");
        var device = stitch.parameters().First().device;
        var useHoldout = holdoutInput is { Count: > 0 };
        Func<IReadOnlyList<int>, IReadOnlyList<HoldoutScore>>? holdout = useHoldout
            ? _ => [PerImageMse(stitch, holdoutInput!, holdoutTarget!)]
            : null;
        var result = TrainingLoop.Run([stitch], _ => StitchGroupTrainer.CreateOptimizer(stitch, settings), input.Count, device,
            LoopSettings.ForStitch(settings, input.Count), seed,
            (idx, _, _) =>
            {
                var x = input.Get(idx).to(ScalarType.Float32);    // (B, Cin, S, S)
                var y = target.Get(idx).to(ScalarType.Float32);   // (B, Cout, R, R)
                var loss = nn.functional.mse_loss(stitch.call(x), y);
                loss.backward();
                return loss;
            },
            holdout, cancellationToken: cancellationToken);
        stitch.eval();
        var outcome = result.Members[0];
        return new CopyOutcome(outcome.Epochs, outcome.Converged, result.LastEpochTrainLoss, outcome.Best?.Loss ?? double.NaN);
    }

    /// <summary>
    /// <paramref name="stitch"/>(input) against <paramref name="target"/>: the MSE of each image (over its C*H*W values)
    /// and their mean, which is the MSE over all values (every image has as many).
    /// </summary>
    public static HoldoutScore PerImageMse(Stitch stitch, ActivationSource input, ActivationSource target, int batchSize = 500)
    {
        stitch.eval();
        using var _ = inference_mode();
        var device = stitch.parameters().First().device;
        long n = input.Count;
        var perImage = new float[n];
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var idx = arange(start, Math.Min(n, start + batchSize), dtype: ScalarType.Int64, device: device);
            var diff = stitch.call(input.Get(idx).to(ScalarType.Float32)) - target.Get(idx).to(ScalarType.Float32); // (B, C, R, R)
            diff.square().flatten(1).mean([1]).cpu().data<float>().CopyTo(perImage, (int)start); // host sync
        }
        return new HoldoutScore(perImage.Average(x => (double)x), double.NaN, perImage);
    }

    /// <summary>The closed-form least-squares stitch of the copying task (exact normal equations over all of <paramref name="input"/>).</summary>
    public static Stitch FitLeastSquares(StitchShape shape, ActivationSource input, ActivationSource target, double ridge, Device device)
    {
        var stitch = new Stitch(shape with { BatchNorm = false });
        stitch.to(device);
        StitchInitializer.FitLeastSquares(stitch, input, target, ridge);
        stitch.eval();
        return stitch;
    }

    /// <summary>Compares <paramref name="stitch"/>(input) with <paramref name="expected"/> over all images (MSE, normalized MSE, distribution distance).</summary>
    public static RepresentationComparison Compare(Stitch stitch, ActivationSource input, ActivationSource expected, int batchSize = 500)
    {
        stitch.eval();
        using var accumulator = new RepresentationMetricsAccumulator();
        using var _ = inference_mode();
        foreach (var idx in Batches(input.Count, batchSize, stitch.parameters().First().device))
        {
            using var scope = NewDisposeScope();
            using (idx)
                accumulator.Accumulate(stitch.call(input.Get(idx).to(ScalarType.Float32)), expected.Get(idx).to(ScalarType.Float32));
        }
        return accumulator.Result();
    }

    /// <summary>Mean squared difference between two stitches' outputs on the same inputs.</summary>
    public static double OutputMse(Stitch a, ActivationSource inputA, Stitch b, ActivationSource inputB, int batchSize = 500)
    {
        a.eval();
        b.eval();
        using var _ = inference_mode();
        double sum = 0;
        long elements = 0;
        foreach (var idx in Batches(inputA.Count, batchSize, a.parameters().First().device))
        {
            using var scope = NewDisposeScope();
            using (idx)
            {
                var ya = a.call(inputA.Get(idx).to(ScalarType.Float32));
                var yb = b.call(inputB.Get(idx).to(ScalarType.Float32));
                sum += (ya.to(ScalarType.Float64) - yb.to(ScalarType.Float64)).square().sum().item<double>();   // host sync
                elements += ya.numel();
            }
        }
        return sum / elements;
    }

    private static IEnumerable<Tensor> Batches(long n, int batchSize, Device device)
    {
        for (long start = 0; start < n; start += batchSize)
            yield return arange(start, Math.Min(n, start + batchSize), dtype: ScalarType.Int64, device: device);
    }

}
