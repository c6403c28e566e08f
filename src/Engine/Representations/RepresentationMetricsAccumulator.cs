using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Representations;

/// <summary>
/// Streams <see cref="RepresentationComparison"/> over a whole test set: per-channel sums and sums of squares of both
/// tensors and the summed squared difference, in float64 on the tensors' device; nothing leaves the device until <see cref="Result"/>.
/// Variances are population variances from E[x^2] - E[x]^2, which float64 keeps accurate for activations.
/// </summary>
public sealed class RepresentationMetricsAccumulator : IDisposable
{
    // Variances below this fraction of the mean expected channel variance are floored, so dead channels (variance 0,
    // common after ReLU) give a large but finite distance instead of infinity or NaN.
    private const double RelativeVarianceFloor = 1e-6;
    private const double AbsoluteVarianceFloor = 1e-12;

    private Tensor? _sumActual, _sumSqActual, _sumExpected, _sumSqExpected;   // (C) each, float64
    private Tensor? _sumSqDiff;                                              // () float64
    private long _perChannel;                                                // N * H * W so far

    /// <summary>Elements compared so far.</summary>
    public long Elements { get; private set; }

    /// <summary>Adds one batch: actual and expected (B, C, ...) of the same shape; channels are dimension 1.</summary>
    public void Accumulate(Tensor actual, Tensor expected)
    {
        if (!actual.shape.SequenceEqual(expected.shape) || actual.dim() < 2)
            throw new ArgumentException(
                $"Compared tensors need the same (B, C, ...) shape; got ({string.Join(", ", actual.shape)}) and ({string.Join(", ", expected.shape)}).");
        long channels = actual.shape[1];
        if (_sumActual is null)
        {
            // Detached: the caller's per-batch dispose scope must not free the running sums.
            var device = actual.device;
            _sumActual = zeros(channels, ScalarType.Float64, device).DetachFromDisposeScope();
            _sumSqActual = zeros(channels, ScalarType.Float64, device).DetachFromDisposeScope();
            _sumExpected = zeros(channels, ScalarType.Float64, device).DetachFromDisposeScope();
            _sumSqExpected = zeros(channels, ScalarType.Float64, device).DetachFromDisposeScope();
            _sumSqDiff = zeros([], ScalarType.Float64, device).DetachFromDisposeScope();
        }
        else if (_sumActual.shape[0] != channels)
            throw new ArgumentException($"Expected {_sumActual.shape[0]} channels, got {channels}.");

        using var scope = NewDisposeScope();
        var a = actual.to(ScalarType.Float64).transpose(0, 1).reshape(channels, -1);     // (C, N*H*W)
        var e = expected.to(ScalarType.Float64).transpose(0, 1).reshape(channels, -1);   // (C, N*H*W)
        _sumActual.add_(a.sum(1));
        _sumSqActual!.add_(a.square().sum(1));
        _sumExpected!.add_(e.sum(1));
        _sumSqExpected!.add_(e.square().sum(1));
        _sumSqDiff!.add_((a - e).square().sum());
        _perChannel += a.shape[1];
        Elements += a.numel();
    }

    public RepresentationComparison Result()
    {
        if (_sumActual is null) throw new InvalidOperationException("No batches accumulated.");
        using var scope = NewDisposeScope();
        double n = _perChannel;
        var meanA = _sumActual / n;                                 // (C)
        var meanE = _sumExpected! / n;                              // (C)
        var varA = (_sumSqActual! / n - meanA.square()).clamp_min(0);
        var varE = (_sumSqExpected! / n - meanE.square()).clamp_min(0);

        // Over all elements: every channel has n elements, so the overall mean and E[x^2] are channel averages.
        var varAll = (_sumSqExpected!.sum() / Elements - (_sumExpected!.sum() / Elements).square()).item<double>();   // host sync
        var mse = _sumSqDiff!.item<double>() / Elements;                                                             // host sync

        var floor = varE.mean() * RelativeVarianceFloor + AbsoluteVarianceFloor;
        var flooredA = maximum(varA, floor);
        var flooredE = maximum(varE, floor);
        var meanShift = ((meanA - meanE).abs() / flooredE.sqrt()).mean().item<double>();   // host sync
        var logVariance = (flooredA / flooredE).log().abs().mean().item<double>();        // host sync
        return new RepresentationComparison(Elements, mse, mse / varAll, meanShift, logVariance);
    }

    public void Dispose()
    {
        foreach (var t in new[] { _sumActual, _sumSqActual, _sumExpected, _sumSqExpected, _sumSqDiff }) t?.Dispose();
    }
}
