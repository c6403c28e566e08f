using static TorchSharp.torch;

namespace Stitching.Engine.Training;

/// <summary>Accuracy (fraction) and mean cross-entropy of a classifier over a labelled set.</summary>
public readonly record struct Evaluation(double Accuracy, double Loss, long Count)
{
    /// <summary>Runs <paramref name="logits"/> over (images, labels) in inference mode, <paramref name="batchSize"/> at a time.</summary>
    public static Evaluation Run(Func<Tensor, Tensor> logits, Tensor images, Tensor labels, int batchSize = 1000)
    {
        using var _ = inference_mode();
        long n = images.shape[0], correct = 0;
        double lossSum = 0;
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var end = Math.Min(n, start + batchSize);
            var x = images.slice(0, start, end, 1);
            var y = labels.slice(0, start, end, 1).to(x.device);
            var z = logits(x).to(ScalarType.Float32); // (B, classes)
            lossSum += nn.functional.cross_entropy(z, y, reduction: nn.Reduction.Sum).item<float>(); // host sync
            correct += z.argmax(1).eq(y).sum().item<long>();
        }
        return new Evaluation(n == 0 ? 0 : correct / (double)n, n == 0 ? 0 : lossSum / n, n);
    }
}
