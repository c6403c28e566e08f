using Stitching.Engine.Stitches;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Research;

/// <summary>
/// Linear CKA between many layer pairs on the same N images, from Gram matrices at full resolution (Kornblith et al.
/// 2019, "Similarity of Neural Network Representations Revisited", eq. 5 and their reference code's <c>cka(gram_x,
/// gram_y, debiased)</c>): each layer's Gram matrix K = X X^T (N x N, float64; X the flattened (N, C*H*W) activations,
/// no pooling) is computed once, centered two ways and scaled to unit Frobenius norm, so CKA of a pair is one O(N^2)
/// product: <see cref="Between"/> with the ordinary centering HKH (the biased HSIC estimator, which is pulled up for
/// wide layers and small N) and <see cref="DebiasedBetween"/> with the U-centering of the unbiased HSIC estimator
/// (Song et al. 2012; diagonal zeroed), which is not. Cost per layer: N^2 * D multiply-adds, 2 N^2 doubles kept.
/// </summary>
public sealed class CkaGrams(int images, Device device) : IDisposable
{
    /// <summary>Features per chunk of the Gram product: bounds the float64 copy of the activations to N x this.</summary>
    private const int FeaturesPerChunk = 4096;
    private readonly Dictionary<string, (Tensor Centered, Tensor UCentered)> _grams = new();

    public int Images { get; } = images;

    /// <summary>Linear CKA between two cached layers; each layer's activations are read once, for the first <see cref="Images"/> images.</summary>
    public double Between(string keyA, ActivationSource a, string keyB, ActivationSource b) =>
        (Grams(keyA, a).Centered * Grams(keyB, b).Centered).sum().item<double>();   // host sync

    /// <summary>Debiased linear CKA (unbiased HSIC) between two cached layers; can be slightly negative when the layers are unrelated.</summary>
    public double DebiasedBetween(string keyA, ActivationSource a, string keyB, ActivationSource b) =>
        (Grams(keyA, a).UCentered * Grams(keyB, b).UCentered).sum().item<double>();   // host sync

    /// <summary>The raw linear Gram matrix X X^T (N, N) in float64, accumulated over feature chunks of the flattened activations.</summary>
    public static Tensor Gram(Tensor activations)
    {
        using var scope = NewDisposeScope();
        var flat = activations.reshape(activations.shape[0], -1);   // (N, D)
        var n = flat.shape[0];
        var k = zeros([n, n], ScalarType.Float64, flat.device);
        for (long start = 0; start < flat.shape[1]; start += FeaturesPerChunk)
        {
            using var chunkScope = NewDisposeScope();
            var chunk = flat.slice(1, start, Math.Min(flat.shape[1], start + FeaturesPerChunk), 1).to(ScalarType.Float64);   // (N, d)
            k.add_(chunk.matmul(chunk.t()));   // N^2 d
        }
        return k.MoveToOuterDisposeScope();
    }

    /// <summary>H K H with H = I - 11^T/N: the Gram matrix of the features centered over the inputs.</summary>
    public static Tensor Center(Tensor gram)
    {
        using var scope = NewDisposeScope();
        var rowMeans = gram.mean([0], keepdim: true);   // (1, N)
        return (gram - rowMeans - rowMeans.t() + gram.mean()).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// U-centering (Kornblith et al.'s <c>center_gram(unbiased=True)</c>): diagonal set to 0, then column means over N-2 less
    /// half their total over N-1 taken off rows and columns, diagonal 0 again. &lt;U(K), U(L)&gt; / (n (n - 3)) is the unbiased HSIC.
    /// </summary>
    public static Tensor UCenter(Tensor gram)
    {
        using var scope = NewDisposeScope();
        var n = gram.shape[0];
        if (n < 4) throw new ArgumentException($"The debiased estimator needs at least 4 inputs, got {n}.");
        var offDiagonal = gram - diag(diag(gram));
        var means = offDiagonal.sum([0]) / (n - 2);               // (N)
        means = means - means.sum() / (2 * (n - 1));
        var u = offDiagonal - means.unsqueeze(1) - means.unsqueeze(0);
        return (u - diag(diag(u))).MoveToOuterDisposeScope();
    }

    private (Tensor Centered, Tensor UCentered) Grams(string key, ActivationSource source)
    {
        if (_grams.TryGetValue(key, out var grams)) return grams;
        using var scope = NewDisposeScope();
        var n = Math.Min(Images, source.Count);
        var k = Gram(source.Get(arange(n, dtype: ScalarType.Int64, device: device)).to(ScalarType.Float32));   // (N, N)
        var centered = Center(k);
        var uCentered = UCenter(k);
        grams = ((centered / centered.norm()).MoveToOuterDisposeScope(), (uCentered / uCentered.norm()).MoveToOuterDisposeScope());
        _grams[key] = grams;
        return grams;
    }

    public void Dispose()
    {
        foreach (var (c, u) in _grams.Values) { c.Dispose(); u.Dispose(); }
        _grams.Clear();
    }
}
