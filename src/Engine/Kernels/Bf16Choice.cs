using System.Diagnostics;
using Stitching.Engine.Hardware;
using Stitching.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Kernels;

/// <summary>
/// Whether <c>--precision auto</c> runs frozen networks in bf16 on this CPU. Having bf16 instructions is not enough:
/// on the AMD EPYC Zen 5 of issue 21 (avx512_bf16, no AMX) oneDNN's bf16 convolutions were wrong, and where bf16 is
/// right it need not be faster at narrow widths. So bf16 is chosen only where the CPU has bf16 instructions, the frozen
/// kernels pass the self-check in bf16 (<see cref="KernelCheck"/>), and a frozen network's forward and input-gradient
/// pass (what a stitch's training runs through its receiver) is measured at least 10% faster in bf16 than in fp32.
/// The verdict is cached on disk like the check's, per CPU model and flags, ISA cap, oneDNN state, threads and libtorch.
/// </summary>
public static class Bf16Choice
{
    /// <summary>The decision, why, the two measured speeds (images/s of a frozen ResNet(1,1,1,1) width 16; 0 when not measured) and the check's verdict.</summary>
    public sealed record Verdict(bool UseBf16, string Reason, double Fp32ImagesPerSecond, double Bf16ImagesPerSecond, bool? CheckPassed);

    private static readonly Lock Gate = new();
    private static readonly Dictionary<string, Verdict> Known = [];

    /// <summary>This CPU's verdict in this process's configuration (measured once, then read from the cache).</summary>
    public static Verdict Current
    {
        get
        {
            var cpu = CpuFeatures.Current;
            if (!cpu.NativeBf16) return new Verdict(false, $"no bf16 instructions on {cpu.Description}", 0, 0, null);
            var file = VerdictCache.File("bf16", KernelGuard.Configuration);
            lock (Gate)
            {
                if (Known.TryGetValue(file, out var known)) return known;
                var verdict = VerdictCache.Read<Verdict>(file);
                if (verdict is null)
                {
                    verdict = Measure();
                    VerdictCache.Write(file, verdict);
                }
                return Known[file] = verdict;
            }
        }
    }

    private static Verdict Measure()
    {
        using var rng = get_rng_state();
        try
        {
            var plan = KernelCheckPlan.For([new KernelNetwork("resnet(1,1,1,1)", 8, 1, 10), new KernelNetwork("resnet(1,1,1,1)", 16, 1, 10)], [],
                [MemoryLayout.Nchw, MemoryLayout.Nhwc], [ScalarType.BFloat16]) with { Training = false };
            var (check, _) = KernelGuard.Check(plan); // in a child where the host registered one: a bf16 kernel may crash
            if (!check.Passed)
                return new Verdict(false, $"bf16 kernels failed the self-check: {KernelGuard.Describe(check.Failures)}", 0, 0, false);
            var fp32 = ImagesPerSecond(ScalarType.Float32);
            var bf16 = ImagesPerSecond(ScalarType.BFloat16);
            return bf16 >= 1.1 * fp32
                ? new Verdict(true, $"bf16 measured {bf16 / fp32:F2}x as fast as fp32", fp32, bf16, true)
                : new Verdict(false, $"bf16 measured only {bf16 / fp32:F2}x as fast as fp32", fp32, bf16, true);
        }
        finally
        {
            set_rng_state(rng);
        }
    }

    /// <summary>A frozen ResNet(1,1,1,1) at width 16 (its layout as the policy chooses): forward and input gradient of 64 images, best of 5 after 2 warm-ups.</summary>
    private static double ImagesPerSecond(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var model = ResNet.Create(Stitching.Domain.Architectures.ResNetSpec.Parse("resnet(1,1,1,1)"), 16, 1, 10, seed: 0);
        model.UsePreferredLayout(CPU);
        model.to(dtype);
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        var x = randn([64, 16, 32, 32], dtype, generator: new Generator(7));
        var best = double.MaxValue;
        for (var i = 0; i < 7; i++)
        {
            using var step = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var h = x.detach().requires_grad_(true);
            model.ForwardSuffix(h, 0).to(ScalarType.Float32).sum().backward();
            _ = h.grad!.sum().to(ScalarType.Float32).item<float>(); // waits for the pass
            if (i >= 2) best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 64 / best;
    }
}
