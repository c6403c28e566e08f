using Stitching.Domain.Stitches;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Representations;

/// <summary>
/// The exact least-squares normal equations of a stitch, accumulated over a whole dataset in one streaming pass:
/// direct matching of Csiszárik et al. 2021, "Similarity and Matching of Neural Network Representations" (NeurIPS), section 3.
/// Every stitch kind is an affine map of local patches, so the problem is ordinary least squares on rows [patch, 1] -> target.
/// We sum A^T A and A^T Y over batches (in float64) rather than averaging per-batch solutions, so the solution is the
/// one a single fit on all rows at once would give, whatever the batching.
/// </summary>
public sealed class NormalEquations : IDisposable
{
    private readonly int _patch;      // Cin * k * k: length of one patch vector, without the bias column
    private Tensor? _gram;            // (P + 1, P + 1) float64: A^T A of the augmented rows [patch, 1]
    private Tensor? _cross;           // (P + 1, Cout) float64: A^T Y

    public NormalEquations(StitchShape shape)
    {
        Shape = shape;
        _patch = shape.InChannels * shape.KernelSize * shape.KernelSize;
    }

    public StitchShape Shape { get; }

    /// <summary>Least-squares rows accumulated so far: one per target pixel per image.</summary>
    public long Count { get; private set; }

    /// <summary>Adds one batch: <paramref name="x"/> (B, Cin, S, S) sender activations, <paramref name="y"/> (B, Cout, R, R) targets.</summary>
    public void Accumulate(Tensor x, Tensor y)
    {
        CheckShapes(x, y);
        int cin = Shape.InChannels, cout = Shape.OutChannels, k = Shape.Factor;
        long b = x.shape[0], s = Shape.InSize, r = Shape.OutSize;
        // Detached: the caller's per-batch dispose scope must not free the running sums.
        _gram ??= zeros(_patch + 1, _patch + 1, ScalarType.Float64, x.device).DetachFromDisposeScope();
        _cross ??= zeros(_patch + 1, cout, ScalarType.Float64, x.device).DetachFromDisposeScope();

        using var scope = NewDisposeScope();
        var x32 = x.to(ScalarType.Float32);
        var y32 = y.to(ScalarType.Float32);
        Tensor rows, targets;   // (M, P) patches and (M, Cout) targets; M rows of the LS problem in this batch
        double weight = 1;      // how many LS rows each (row, target) pair stands for in A^T A
        switch (Shape.Kind)
        {
            case StitchKind.Conv1x1:
                rows = x32.permute(0, 2, 3, 1).reshape(-1, cin);
                targets = y32.permute(0, 2, 3, 1).reshape(-1, cout);
                break;
            case StitchKind.StridedConv:
                // Non-overlapping k x k patches, laid out (Cin, k, k) so that a row of the solution reshapes to the
                // conv weight (Cout, Cin, k, k); rows in (B, R, R) order like the targets.
                rows = x32.reshape(b, cin, r, k, r, k).permute(0, 2, 4, 1, 3, 5).reshape(-1, _patch);
                targets = y32.permute(0, 2, 3, 1).reshape(-1, cout);
                break;
            default:
                // conv1x1(upsample(x)) == upsample(conv1x1(x)): each low-res pixel p is the row for the k*k target
                // pixels q it was copied to. Summing those rows exactly: A^T A gets k*k copies of x_p x_p^T and
                // A^T Y gets x_p times the sum of y over p's k x k block (sum pooling with kernel k, stride k).
                rows = x32.permute(0, 2, 3, 1).reshape(-1, cin);
                targets = y32.reshape(b, cout, s, k, s, k).sum([3, 5]).permute(0, 2, 3, 1).reshape(-1, cout);
                weight = k * k;
                break;
        }
        // The augmented rows are [patch, 1]; their products are assembled blockwise instead of concatenating a
        // ones column. One batch's products run in float32 (BLAS sums them blockwise, about 1e-6 relative error)
        // and are summed across batches in float64: measured 2-4x faster than float64 products on CPU.
        var p = _patch;
        _gram[..p, ..p].add_(rows.t().matmul(rows).to(ScalarType.Float64), alpha: weight);
        var rowSums = rows.sum([0]).to(ScalarType.Float64);   // (P): the bias column's products with the patches
        _gram[..p, p].add_(rowSums, alpha: weight);
        _gram[p, ..p].add_(rowSums, alpha: weight);
        _gram[p, p].add_(rows.shape[0] * weight);
        _cross[..p].add_(rows.t().matmul(targets).to(ScalarType.Float64));
        _cross[p].add_(targets.sum([0]).to(ScalarType.Float64));
        Count += b * r * r;
    }

    /// <summary>
    /// Solves the accumulated equations; returns the conv weight (Cout, Cin, k, k) (k = 1 for 1x1 and upsample stitches)
    /// and bias (Cout), float32, on the device of the accumulated batches.
    /// Ridge regularisation adds <c>ridge * mean(diag(A^T A))</c> to the diagonal of the patch block only, so
    /// <paramref name="ridge"/> is relative to the mean squared activation (scale-free) and the bias is never shrunk.
    /// Solved by Cholesky in float64; if the Gram matrix is singular (e.g. dead ReLU channels and no ridge), falls
    /// back to the pseudo-inverse, which gives the minimum-norm least-squares solution.
    /// </summary>
    public (Tensor Weight, Tensor Bias) Solve(double ridge = 0)
    {
        if (_gram is null || _cross is null) throw new InvalidOperationException("No batches accumulated.");
        if (ridge < 0) throw new ArgumentOutOfRangeException(nameof(ridge), ridge, "Ridge must be non-negative.");
        using var scope = NewDisposeScope();
        var gram = _gram.clone();
        if (ridge > 0)
        {
            var block = gram[..(_patch), ..(_patch)];
            var lambda = block.diagonal().mean() * ridge;
            block.diagonal().add_(lambda);
        }
        var (factor, info) = linalg.cholesky_ex(gram);
        var solution = info.item<int>() == 0   // host sync
            ? cholesky_solve(_cross, factor)
            : linalg.pinv(gram, hermitian: true).matmul(_cross);                          // (P + 1, Cout)
        var k = Shape.KernelSize;
        var weight = solution[..(_patch)].t().reshape(Shape.OutChannels, Shape.InChannels, k, k).to(ScalarType.Float32);
        var bias = solution[_patch].to(ScalarType.Float32);
        return (weight.contiguous().MoveToOuterDisposeScope(), bias.contiguous().MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        _gram?.Dispose();
        _cross?.Dispose();
    }

    private void CheckShapes(Tensor x, Tensor y)
    {
        long[] expectedX = [x.shape[0], Shape.InChannels, Shape.InSize, Shape.InSize];
        long[] expectedY = [x.shape[0], Shape.OutChannels, Shape.OutSize, Shape.OutSize];
        if (!x.shape.SequenceEqual(expectedX) || !y.shape.SequenceEqual(expectedY))
            throw new ArgumentException(
                $"Stitch {Shape.KindName} expects x ({string.Join(", ", expectedX)}) and y ({string.Join(", ", expectedY)}); " +
                $"got ({string.Join(", ", x.shape)}) and ({string.Join(", ", y.shape)}).");
    }
}
