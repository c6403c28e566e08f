using Stitching.Engine.Models;
using static TorchSharp.torch;

namespace Stitching.Engine.Kernels;

/// <summary>
/// The libtorch (oneDNN) kernel faults this project has met, each as its minimal program: one convolution, its shapes,
/// layout and precision, run forward and backward against the same convolution in float64 (which oneDNN never
/// computes). <c>kernel-check --known</c> runs each in a child process (a heap-corrupting fault kills only the child)
/// and prints the relative error, so a new CPU, or this one under <c>ONEDNN_MAX_CPU_ISA</c>, can be tried against
/// every fault seen before. The self-check (<see cref="KernelCheck"/>) covers the same operations inside the run's own
/// networks; these are the narrowed-down reproductions, kept so a fix upstream can be confirmed by one command.
/// <para>
/// Seen: <b>AVX2</b> (AMD EPYC without AVX-512; reproduced on an AVX-512 Xeon with <c>ONEDNN_MAX_CPU_ISA=AVX2</c>):
/// weight gradient of a 1x1 stride-2 conv on NHWC input with 2-7 input channels corrupts the heap (LayoutPolicy).
/// <b>AVX-512 with avx512_bf16, no AMX</b> (AMD EPYC family 26, Zen 5; issue 21): fp32 NCHW 3x3 stride-1 convs
/// whose channels are not a multiple of 16 give wrong input gradients (relative error 0.44-0.86, or NaN) and then heap
/// corruption, 24->24 NaN even forward; bf16 NCHW convs with output channels not a multiple of 16 are wrong forward
/// (0.2-0.65). On the AMD EPYC family 25 (Zen 4, AVX-512 + avx512_bf16, no AMX) every case below passes natively and
/// under the AVX2, AVX512_CORE and AVX512_CORE_BF16 caps except the AVX2 NHWC one (docs/performance.md, CPUs).
/// </para>
/// </summary>
public static class KnownKernelFaults
{
    public sealed record Fault(string Name, string SeenOn, int In, int Out, int Kernel, int Stride, MemoryLayout Layout, ScalarType Dtype, int Batch, int Size);

    public static IReadOnlyList<Fault> All { get; } =
    [
        new("nhwc-1x1-s2-4to8-fp32", "AVX2 (heap corruption in the weight gradient)", 4, 8, 1, 2, MemoryLayout.Nhwc, ScalarType.Float32, 64, 32),
        new("nchw-3x3-4to4-fp32", "Zen 5 AVX-512 (wrong input gradient)", 4, 4, 3, 1, MemoryLayout.Nchw, ScalarType.Float32, 32, 16),
        new("nchw-3x3-8to8-fp32", "Zen 5 AVX-512 (wrong input gradient)", 8, 8, 3, 1, MemoryLayout.Nchw, ScalarType.Float32, 32, 16),
        new("nchw-3x3-12to12-fp32", "Zen 5 AVX-512 (wrong input gradient)", 12, 12, 3, 1, MemoryLayout.Nchw, ScalarType.Float32, 32, 16),
        new("nchw-3x3-24to24-fp32", "Zen 5 AVX-512 (NaN forward)", 24, 24, 3, 1, MemoryLayout.Nchw, ScalarType.Float32, 32, 16),
        new("nchw-3x3-8to8-bf16", "Zen 5 AVX-512 bf16 (wrong forward)", 8, 8, 3, 1, MemoryLayout.Nchw, ScalarType.BFloat16, 32, 16),
        new("nhwc-3x3-1to8-bf16", "Zen 5 AVX-512 bf16 (wrong forward, the stem)", 1, 8, 3, 1, MemoryLayout.Nhwc, ScalarType.BFloat16, 32, 28),
    ];

    /// <summary>Relative L2 errors of output, input gradient and weight gradient against float64; NaN where the kernel gave NaN.</summary>
    public sealed record Errors(double Output, double InputGradient, double WeightGradient)
    {
        public double Worst => new[] { Output, InputGradient, WeightGradient }.Any(double.IsNaN) ? double.NaN : Math.Max(Output, Math.Max(InputGradient, WeightGradient));
        public bool Passed(ScalarType dtype) => Worst <= KernelCheck.Tolerance(dtype);
    }

    public static Fault Find(string name) => All.FirstOrDefault(f => f.Name == name)
        ?? throw new ArgumentException($"Unknown fault '{name}'; known: {string.Join(", ", All.Select(f => f.Name))}.");

    /// <summary>Runs <paramref name="fault"/>'s convolution three times (the faults showed after a few iterations) and returns the last errors.</summary>
    public static Errors Run(Fault fault)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var x64 = randn([fault.Batch, fault.In, fault.Size, fault.Size], dtype: ScalarType.Float64, generator: generator);
        var w64 = randn([fault.Out, fault.In, fault.Kernel, fault.Kernel], dtype: ScalarType.Float64, generator: generator) / Math.Sqrt(fault.In * fault.Kernel * fault.Kernel);
        var (wantY, wantGx, wantGw) = Pass(x64, w64, fault);
        Errors errors = new(0, 0, 0);
        for (var round = 0; round < 3; round++)
        {
            var x = x64.to(fault.Dtype); var w = w64.to(fault.Dtype);
            if (fault.Layout == MemoryLayout.Nhwc) { x = ChannelsLast.Of(x); w = ChannelsLast.Of(w); }
            var (y, gx, gw) = Pass(x, w, fault);
            errors = new(Relative(y, wantY), Relative(gx, wantGx), Relative(gw, wantGw));
        }
        return errors;
    }

    private static (Tensor Y, Tensor Gx, Tensor Gw) Pass(Tensor x, Tensor w, Fault fault)
    {
        var xin = x.detach().requires_grad_(true); var win = w.detach().requires_grad_(true);
        var padding = (long)(fault.Kernel / 2);
        var y = nn.functional.conv2d(xin, win, strides: [fault.Stride, fault.Stride], padding: [padding, padding]);
        y.sum().backward();
        return (y.detach(), xin.grad!, win.grad!);
    }

    private static double Relative(Tensor got, Tensor want)
    {
        var g = got.to(ScalarType.Float64).contiguous();
        return (g - want).norm().item<double>() / Math.Max(want.norm().item<double>(), 1e-30);
    }
}
