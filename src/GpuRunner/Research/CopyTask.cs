using Stitching.Core.Contracts;
using Stitching.Core.Stitches;
using Stitching.GpuRunner.Analysis;
using Stitching.GpuRunner.Stitches;
using Stitching.GpuRunner.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Research;

/// <summary>
/// The copying task of the seed paper (section 1.2): inputs are the sender layer's outputs, targets the receiver's
/// expected representation (its own output at the replaced layer) on the same images. A stitch is trained on it with
/// MSE, or fitted in closed form by least squares; either is then compared with the expected representation.
/// </summary>
public static class CopyTask
{
    /// <summary>
    /// Trains <paramref name="stitch"/> to map <paramref name="input"/> to <paramref name="target"/> by mean squared error,
    /// with the optimizer, learning-rate schedule, epochs and batch size of <paramref name="settings"/> (as a task-trained stitch).
    /// Returns the mean training MSE of the last epoch.
    /// </summary>
    public static double Train(Stitch stitch, ActivationSource input, ActivationSource target, StitchSettings settings, int seed,
        CancellationToken cancellationToken = default)
    {
        if (input.Count != target.Count) throw new ArgumentException($"Inputs ({input.Count}) and targets ({target.Count}) must cover the same images.");
        var device = stitch.parameters().First().device;
        long n = input.Count;
        var stepsPerEpoch = (n + settings.BatchSize - 1) / settings.BatchSize;
        var totalSteps = stepsPerEpoch * settings.Epochs;
        var warmup = (long)(settings.WarmupFraction * totalSteps);
        using var optimizer = StitchGroupTrainer.CreateOptimizer(stitch, settings);
        using var generator = new Generator((ulong)seed); // CPU: same order on CPU and CUDA
        double lastEpochLoss = double.NaN;
        long step = 0;
        stitch.train();
        for (var epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            using var perm = randperm(n, generator: generator).to(device);
            using var lossSum = zeros([], ScalarType.Float64, device);
            for (long start = 0; start < n; start += settings.BatchSize, step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var idx = perm.slice(0, start, Math.Min(n, start + settings.BatchSize), 1);
                var x = input.Get(idx).to(ScalarType.Float32);    // (B, Cin, S, S)
                var y = target.Get(idx).to(ScalarType.Float32);   // (B, Cout, R, R)
                var loss = nn.functional.mse_loss(stitch.call(x), y);
                ModelTrainer.SetLearningRate(optimizer, settings.LearningRate * LearningRateSchedule.Factor(step, totalSteps, warmup));
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum.add_(loss.detach().to(ScalarType.Float64) * idx.shape[0]);
            }
            lastEpochLoss = lossSum.item<double>() / n;   // host sync, once per epoch
        }
        stitch.eval();
        return lastEpochLoss;
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
