using static TorchSharp.torch;

namespace Stitching.Engine.Training;

/// <summary>
/// How a classifier's predictions spread over the classes: the entropy (bits) of the predicted-class histogram and
/// the number of classes predicted at least once. A constant predictor has 0 bits and 1 class; a balanced one log2(classes).
/// </summary>
public readonly record struct PredictionSpread(double EntropyBits, int DistinctClasses)
{
    public static PredictionSpread Of(IReadOnlyList<long> counts)
    {
        double total = counts.Sum();
        var entropy = counts.Where(c => c > 0).Sum(c => -(c / total) * Math.Log2(c / total));
        return new PredictionSpread(total == 0 ? 0 : entropy + 0.0, // + 0.0: one class gives -0, written as 0
             counts.Count(c => c > 0));
    }

    /// <summary>Runs <paramref name="logits"/> over <paramref name="images"/> in inference mode and counts the argmax classes.</summary>
    public static PredictionSpread Run(Func<Tensor, Tensor> logits, Tensor images, int classes, int batchSize = 1000)
    {
        using var _ = inference_mode();
        var counts = new long[classes];
        long n = images.shape[0];
        for (long start = 0; start < n; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var predicted = logits(images.slice(0, start, Math.Min(n, start + batchSize), 1)).argmax(1);
            var histogram = bincount(predicted, minlength: classes).cpu().data<long>().ToArray(); // host sync
            for (var c = 0; c < classes; c++) counts[c] += histogram[c];
        }
        return Of(counts);
    }
}
