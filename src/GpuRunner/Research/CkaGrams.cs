using Stitching.GpuRunner.Stitches;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Stitching.GpuRunner.Research;

/// <summary>
/// Linear CKA between many layer pairs on the same N images, in the kernel form of <see cref="Analysis.LinearCka"/>
/// (Kornblith et al. 2019, eq. 5): each layer's centered Gram matrix K = Xc Xc^T (N x N, float64) is computed once and
/// scaled to unit Frobenius norm, so CKA of a pair is &lt;K, L&gt;_F, an O(N^2) product instead of a pass over both layers.
/// Layers with more than <see cref="MaxFeatures"/> features are average-pooled spatially first (by powers of two).
/// </summary>
public sealed class CkaGrams(int images, Device device, int maxFeatures = 4096) : IDisposable
{
    private readonly Dictionary<string, Tensor> _grams = new();

    public int Images { get; } = images;
    public int MaxFeatures { get; } = maxFeatures;

    /// <summary>CKA between two cached layers; the activations of each are read once, for the first <see cref="Images"/> images.</summary>
    public double Between(string keyA, ActivationSource a, string keyB, ActivationSource b) =>
        (Gram(keyA, a) * Gram(keyB, b)).sum().item<double>();   // host sync

    private Tensor Gram(string key, ActivationSource source)
    {
        if (_grams.TryGetValue(key, out var gram)) return gram;
        using var scope = NewDisposeScope();
        var n = Math.Min(Images, source.Count);
        var x = source.Get(arange(n, dtype: ScalarType.Int64, device: device)).to(ScalarType.Float32);   // (N, C, H, W)
        while (x.dim() == 4 && x.shape[1] * x.shape[2] * x.shape[3] > MaxFeatures && x.shape[2] > 1)
            x = avg_pool2d(x, 2);
        var flat = x.reshape(n, -1).to(ScalarType.Float64);                               // (N, D)
        var centered = flat - flat.mean([0], keepdim: true);
        var k = centered.matmul(centered.t());                                           // (N, N): N^2 D
        gram = (k / k.norm()).MoveToOuterDisposeScope();
        _grams[key] = gram;
        return gram;
    }

    public void Dispose()
    {
        foreach (var g in _grams.Values) g.Dispose();
        _grams.Clear();
    }
}
