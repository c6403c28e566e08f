using static TorchSharp.torch;

namespace Stitching.Engine.Stitches;

/// <summary>
/// A frozen prefix's output on a fixed image set, by image index. Stitch training uses no random
/// augmentation, so the prefix's output for an image never changes and can be computed once.
/// </summary>
public abstract class ActivationSource : IDisposable
{
    /// <summary>(B, C, H, W) for the given image indices (int64, on the training device).</summary>
    public abstract Tensor Get(Tensor indices);
    public abstract long Count { get; }
    public virtual void Dispose() => GC.SuppressFinalize(this);

    /// <summary>Runs <paramref name="prefix"/> once over all images and keeps the result (cast to <paramref name="dtype"/>).</summary>
    public static ActivationSource Cached(Func<Tensor, Tensor> prefix, Tensor images, ScalarType dtype, int batchSize = 1000) =>
        new CachedActivations(Compute(prefix, images, dtype, batchSize));

    /// <summary>Recomputes the prefix per batch: for when the cache would exceed the memory budget.</summary>
    public static ActivationSource Recomputed(Func<Tensor, Tensor> prefix, Tensor images) => new RecomputedActivations(prefix, images);

    public static Tensor Compute(Func<Tensor, Tensor> prefix, Tensor images, ScalarType dtype, int batchSize = 1000)
    {
        using var _ = inference_mode();
        var parts = new List<Tensor>();
        try
        {
            for (long start = 0; start < images.shape[0]; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var batch = images.slice(0, start, Math.Min(images.shape[0], start + batchSize), 1);
                parts.Add(prefix(batch).to(dtype).MoveToOuterDisposeScope());
            }
            return cat(parts, 0);
        }
        finally
        {
            foreach (var p in parts) p.Dispose();
        }
    }

    /// <summary>
    /// Kept as (N, H, W, C) rows so a gather of images returns NHWC strides: the stitch's conv and the channels-last
    /// suffix then run without reordering the batch (index_select on an NCHW-shaped tensor returns NCHW strides).
    /// </summary>
    private sealed class CachedActivations : ActivationSource
    {
        private readonly Tensor _rows;
        private readonly bool _image;

        public CachedActivations(Tensor all)
        {
            _image = all.dim() == 4;
            if (!_image) { _rows = all; return; }
            using (all)
            using (var rows = all.permute(0, 2, 3, 1))
                _rows = rows.contiguous(); // no copy when the prefix already gave NHWC strides
        }

        public override long Count => _rows.shape[0];
        public override Tensor Get(Tensor indices) =>
            _image ? _rows.index_select(0, indices).permute(0, 3, 1, 2) : _rows.index_select(0, indices);
        public override void Dispose()
        {
            _rows.Dispose();
            base.Dispose();
        }
    }

    private sealed class RecomputedActivations(Func<Tensor, Tensor> prefix, Tensor images) : ActivationSource
    {
        public override long Count => images.shape[0];
        public override Tensor Get(Tensor indices)
        {
            using var _ = no_grad();
            return prefix(images.index_select(0, indices));
        }
    }
}
