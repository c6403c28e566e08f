using static TorchSharp.torch;

namespace Stitching.Engine.Stitches;

/// <summary>
/// Sender (and receiver target) activations by (model, layer, split), computed once and shared by every stitch
/// that reads them. Past <see cref="BudgetBytes"/> a source recomputes its prefix per batch instead of caching.
/// Peak memory is the budget plus one batch of activations per live source.
/// </summary>
public sealed class ActivationCache(long budgetBytes, ScalarType storageType) : IDisposable
{
    private readonly Dictionary<string, ActivationSource> _sources = new();

    public long BudgetBytes { get; } = budgetBytes;
    public long CachedBytes { get; private set; }
    public int Recomputed { get; private set; }

    /// <param name="elementsPerImage">C * H * W of the layer, to check the budget before computing.</param>
    public ActivationSource Get(string key, Func<Tensor, Tensor> prefix, Tensor images, long elementsPerImage)
    {
        if (_sources.TryGetValue(key, out var source)) return source;
        var bytes = images.shape[0] * elementsPerImage * (storageType == ScalarType.BFloat16 ? 2 : 4);
        if (CachedBytes + bytes <= BudgetBytes)
        {
            source = ActivationSource.Cached(prefix, images, storageType);
            CachedBytes += bytes;
        }
        else
        {
            source = ActivationSource.Recomputed(prefix, images);
            Recomputed++;
        }
        _sources[key] = source;
        return source;
    }

    public void Dispose()
    {
        foreach (var s in _sources.Values) s.Dispose();
        _sources.Clear();
        CachedBytes = 0;
    }
}
