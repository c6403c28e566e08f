using Stitching.Core.Stitches;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Stitching.GpuRunner.Analysis;

/// <summary>
/// Closed-form stitch fitting (direct matching, Csiszárik et al. 2021) and the functional form of each stitch,
/// so a fitted (weight, bias) can be applied without building a module.
/// </summary>
public static class LeastSquaresFit
{
    /// <summary>Fits a stitch on all <paramref name="batches"/> of (x (B, Cin, S, S), y (B, Cout, R, R)); see <see cref="NormalEquations.Solve"/>.</summary>
    public static (Tensor Weight, Tensor Bias) Fit(StitchShape shape, IEnumerable<(Tensor X, Tensor Y)> batches, double ridge = 0)
    {
        using var equations = new NormalEquations(shape);
        foreach (var (x, y) in batches) equations.Accumulate(x, y);
        return equations.Solve(ridge);
    }

    /// <summary>The stitch as a function: x (B, Cin, S, S) -> (B, Cout, R, R), with weight (Cout, Cin, k, k) and bias (Cout).</summary>
    public static Tensor Apply(StitchShape shape, Tensor weight, Tensor bias, Tensor x) => shape.Kind switch
    {
        StitchKind.Conv1x1 => conv2d(x, weight, bias),
        StitchKind.StridedConv => conv2d(x, weight, bias, strides: [shape.Factor, shape.Factor]),
        _ => UpsampleThenConv(shape, weight, bias, x),
    };

    private static Tensor UpsampleThenConv(StitchShape shape, Tensor weight, Tensor bias, Tensor x)
    {
        using var upsampled = interpolate(x, scale_factor: [shape.Factor, shape.Factor], mode: InterpolationMode.Nearest);   // (B, Cin, R, R)
        return conv2d(upsampled, weight, bias);
    }
}
