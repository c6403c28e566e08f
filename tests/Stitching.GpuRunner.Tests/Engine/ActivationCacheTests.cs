using Stitching.Engine.Native;
using Stitching.Engine.Stitches;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

public class ActivationCacheTests
{
    public ActivationCacheTests() => TorchRuntime.EnsureLoadable();

    // A stand-in prefix with a visible shape change: (B, 1, 4, 4) -> (B, 2, 2, 2).
    private static Tensor Prefix(Tensor x, ref int calls)
    {
        calls++;
        return cat([nn.functional.avg_pool2d(x, 2), nn.functional.max_pool2d(x, 2)], 1);
    }

    [Fact]
    public void A_layer_is_computed_once_and_read_back_exactly_for_any_indices()
    {
        var calls = 0;
        using var images = randn(50, 1, 4, 4);
        using var cache = new ActivationCache(1 << 20, ScalarType.Float32);

        var first = cache.Get("sender/1.0/train", x => Prefix(x, ref calls), images, elementsPerImage: 8);
        var callsAfterFirst = calls;
        var again = cache.Get("sender/1.0/train", x => Prefix(x, ref calls), images, elementsPerImage: 8);
        using var idx = tensor(new long[] { 49, 0, 7, 7 });
        using var read = first.Get(idx);
        using var direct = Prefix(images.index_select(0, idx), ref calls);

        Assert.Same(first, again);
        Assert.Equal(1, callsAfterFirst); // 50 images: one batch
        Assert.Equal(50 * 8 * 4, cache.CachedBytes);
        Assert.Equal(0, cache.Recomputed);
        Assert.Equal([4L, 2, 2, 2], read.shape);
        Assert.True(read.eq(direct).all().item<bool>());
    }

    [Fact]
    public void Past_the_budget_a_layer_is_recomputed_per_batch_and_the_cached_bytes_stay_within_the_budget()
    {
        var calls = 0;
        using var images = randn(50, 1, 4, 4);
        var perLayer = 50L * 8 * 2; // bf16
        using var cache = new ActivationCache(budgetBytes: perLayer + perLayer / 2, ScalarType.BFloat16);

        var cached = cache.Get("a", x => Prefix(x, ref calls), images, 8);
        var over = cache.Get("b", x => Prefix(x, ref calls), images, 8);
        var callsBeforeReads = calls;
        using var idx = tensor(new long[] { 3, 1 });
        using var fromCache = cached.Get(idx);
        using var recomputed = over.Get(idx);

        Assert.Equal(perLayer, cache.CachedBytes);
        Assert.True(cache.CachedBytes <= cache.BudgetBytes);
        Assert.Equal(1, cache.Recomputed);
        Assert.Equal(callsBeforeReads + 1, calls); // the recomputed layer ran its prefix for this batch; the cached one did not
        Assert.Equal(ScalarType.BFloat16, fromCache.dtype);
        using var direct = Prefix(images.index_select(0, idx), ref calls);
        Assert.True(recomputed.eq(direct).all().item<bool>());
        Assert.True(fromCache.to(ScalarType.Float32).allclose(direct, rtol: 1e-2, atol: 1e-2));
    }
}
