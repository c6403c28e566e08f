using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Stitching.Engine.Representations;

/// <summary>
/// Linear CKA (<see cref="LinearCka"/>) accumulated over batches of a whole dataset in the feature-space form:
/// sums and cross-products X^T X, Y^T Y, X^T Y are added in float64 and centered only at the end
/// (Xc^T Yc = X^T Y - n mean_x mean_y^T), so the result equals one-shot CKA on all inputs, for any N.
/// Memory is D^2, so full-resolution maps are average-pooled spatially first when <c>pooledSize</c> is given
/// (1 gives per-channel means, D = C); features above <c>maxFeatures</c> are refused rather than filling the device.
/// </summary>
public sealed class LinearCkaAccumulator : IDisposable
{
    private readonly int? _pooledSize;
    private readonly int _maxFeatures;
    private Tensor? _sumX, _sumY;             // (Dx), (Dy)
    private Tensor? _xx, _yy, _xy;            // (Dx, Dx), (Dy, Dy), (Dx, Dy)

    /// <param name="pooledSize">Adaptive average pooling of (B, C, H, W) inputs to (B, C, p, p) before flattening; null keeps full resolution.</param>
    /// <param name="maxFeatures">Largest flattened D accepted; 4096 keeps each float64 matrix at 128 MiB.</param>
    public LinearCkaAccumulator(int? pooledSize = null, int maxFeatures = 4096)
    {
        if (pooledSize is < 1) throw new ArgumentOutOfRangeException(nameof(pooledSize), pooledSize, "Pooled size must be positive.");
        _pooledSize = pooledSize;
        _maxFeatures = maxFeatures;
    }

    /// <summary>Inputs accumulated so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds one batch of the same B inputs seen by both representations: x (B, ...), y (B, ...).</summary>
    public void Accumulate(Tensor x, Tensor y)
    {
        if (x.shape[0] != y.shape[0])
            throw new ArgumentException($"Both representations need the same inputs; got batches of {x.shape[0]} and {y.shape[0]}.");
        using var scope = NewDisposeScope();
        var fx = Features(x);   // (B, Dx)
        var fy = Features(y);   // (B, Dy)
        if (_sumX is null)
        {
            long dx = fx.shape[1], dy = fy.shape[1];
            if (Math.Max(dx, dy) > _maxFeatures)
                throw new ArgumentException(
                    $"Feature dimensions {dx} and {dy} exceed {_maxFeatures}; pool spatially or use LinearCka.Compute on a subset.");
            // Detached: neither this scope nor the caller's per-batch scope may free the running sums.
            var device = x.device;
            _sumX = zeros(dx, ScalarType.Float64, device).DetachFromDisposeScope();
            _sumY = zeros(dy, ScalarType.Float64, device).DetachFromDisposeScope();
            _xx = zeros(dx, dx, ScalarType.Float64, device).DetachFromDisposeScope();
            _yy = zeros(dy, dy, ScalarType.Float64, device).DetachFromDisposeScope();
            _xy = zeros(dx, dy, ScalarType.Float64, device).DetachFromDisposeScope();
        }
        _sumX.add_(fx.sum([0]));
        _sumY!.add_(fy.sum([0]));
        _xx!.add_(fx.t().matmul(fx));
        _yy!.add_(fy.t().matmul(fy));
        _xy!.add_(fx.t().matmul(fy));
        Count += x.shape[0];
    }

    /// <summary>CKA over all accumulated inputs; NaN when either representation is constant.</summary>
    public double Result()
    {
        if (_sumX is null) throw new InvalidOperationException("No batches accumulated.");
        using var scope = NewDisposeScope();
        double n = Count;
        var cxx = _xx! - _sumX.outer(_sumX) / n;    // Xc^T Xc
        var cyy = _yy! - _sumY!.outer(_sumY) / n;   // Yc^T Yc
        var cxy = _xy! - _sumX.outer(_sumY) / n;    // Xc^T Yc
        return (cxy.square().sum() / (cxx.norm() * cyy.norm())).item<double>();   // host sync
    }

    public void Dispose()
    {
        foreach (var t in new[] { _sumX, _sumY, _xx, _yy, _xy }) t?.Dispose();
    }

    private Tensor Features(Tensor x)
    {
        if (_pooledSize is not int p) return x.reshape(x.shape[0], -1).to(ScalarType.Float64);
        if (x.dim() != 4) throw new ArgumentException($"Spatial pooling needs (B, C, H, W) inputs; got {x.dim()} dimensions.");
        var pooled = adaptive_avg_pool2d(x, [p, p]);   // (B, C, p, p)
        return pooled.reshape(x.shape[0], -1).to(ScalarType.Float64);
    }
}
