using System.Diagnostics;
using System.Globalization;
using Stitching.Domain.Architectures;
using Stitching.Domain.Stitches;
using Stitching.Engine.Models;
using Stitching.Engine.Stitches;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Kernels;

/// <summary>
/// Runs the kernels a run will use on this CPU, on small random tensors, and compares them with a float64 reference.
/// <para>
/// Why: libtorch's CPU convolutions (oneDNN) have been wrong on CPUs nobody here had seen: heap corruption in NHWC on
/// AVX2-only EPYCs, wrong input gradients and NaN on an AVX-512 EPYC (Zen 5), where base models trained to 10% without an
/// error. oneDNN has no float64 kernels, so float64 runs libtorch's own reference loops: a result the two agree on was
/// computed right. The check builds the networks it is given (every conv, stride, channel count and batch norm of that
/// architecture at that width) and the stitches, in the layout and precision the run would use, and compares
/// <list type="bullet">
/// <item>training (fp32, batch norm in train mode): logits, the gradient of the input and of every weight, the running
/// statistics, and that no parameter's memory was written (a kernel writing out of bounds changed frozen weights);</item>
/// <item>frozen use (fp32 or bf16, eval mode): every layer's output and the gradient of the input through the whole
/// network (what a stitch's training sends through a frozen receiver);</item>
/// <item>each stitch kind and shape: output and gradients;</item>
/// </list>
/// each twice (oneDNN caches a primitive after its first call). A tensor whose relative error (L2) exceeds the
/// precision's tolerance, or that holds NaN or Inf, is a failure named by network, layout, precision and tensor.
/// </para>
/// </summary>
public static class KernelCheck
{
    /// <summary>
    /// Relative L2 error allowed: fp32 stays below 1e-5 for most tensors, but a layer's input gradient reached 1.6e-3
    /// with every kernel path (oneDNN on and off; ResNet18, width 16): a ReLU whose input rounds across zero flips a
    /// whole gradient entry. bf16 rounds each op to 8 bits (about 3e-3 per op; a ResNet34's last layer about 0.03).
    /// The broken kernels of issue 21 were 0.2-0.86 wrong per convolution, or NaN.
    /// </summary>
    public static double Tolerance(ScalarType dtype) => dtype == ScalarType.BFloat16 ? 0.08 : 1e-2;

    /// <summary>The exit code of a <c>kernel-check</c> process whose check found a wrong kernel (0: all passed).</summary>
    public const int FailedExitCode = 3;

    private const int Batch = 4;
    private const int Images = 32; // the networks' input size (CIFAR-style, Fashion-MNIST padded)

    /// <summary>Runs every case of <paramref name="plan"/> in this process's current kernel configuration.</summary>
    /// <param name="perturb">Test hook: corrupts the named tensor (by substring) of the candidate, as a broken kernel would.</param>
    public static KernelCheckResult Run(KernelCheckPlan plan, string? perturb = null)
    {
        // The networks are built from fixed seeds, which reseeds the global generator: the run's own draws must not notice.
        using var rng = get_rng_state();
        try
        {
            return RunCases(plan, perturb);
        }
        finally
        {
            set_rng_state(rng);
        }
    }

    private static KernelCheckResult RunCases(KernelCheckPlan plan, string? perturb)
    {
        var clock = Stopwatch.StartNew();
        var failures = new List<KernelFailure>();
        var cases = new List<string>();
        foreach (var net in plan.Networks)
            foreach (var layout in plan.Layouts.Count > 0 ? plan.Layouts : [PolicyLayout(net)])
            {
                var name = $"{net.Arch} width {net.Width} {LayoutPolicy.Name(layout)}";
                if (plan.Training) cases.Add($"{name} fp32 training");
                if (plan.Training) failures.AddRange(CheckTraining(net, layout, new Subject($"{name} fp32 training", layout, ScalarType.Float32), perturb));
                foreach (var dtype in plan.FrozenTypes)
                {
                    var what = $"{name} {Training.Precision.Name(dtype)} frozen";
                    cases.Add(what);
                    failures.AddRange(CheckFrozen(net, layout, dtype, new Subject(what, layout, dtype), perturb));
                }
            }
        foreach (var shape in plan.Stitches)
            foreach (var layout in plan.Layouts.Count > 0 ? plan.Layouts : PolicyLayouts(shape))
            {
                var what = $"stitch {shape.KindName} {shape.InChannels}->{shape.OutChannels} ({shape.InSize}->{shape.OutSize}{(shape.BatchNorm ? ", bn" : "")}) {LayoutPolicy.Name(layout)} fp32";
                cases.Add(what);
                failures.AddRange(CheckStitch(shape, layout, new Subject(what, layout, ScalarType.Float32), perturb));
            }
        return new KernelCheckResult(cases, failures, clock.Elapsed.TotalSeconds);
    }

    /// <summary>The layout the layout policy gives <paramref name="net"/> on this CPU (what a run without a forced layout uses).</summary>
    private static MemoryLayout PolicyLayout(KernelNetwork net)
    {
        using var probe = new ResNet(ResNetSpec.Parse(net.Arch), net.Width, net.InChannels, net.Classes);
        return LayoutPolicy.IsSafeOnCpu(probe, Hardware.CpuFeatures.Current) ? MemoryLayout.Nhwc : MemoryLayout.Nchw;
    }

    /// <summary>A stitch runs in its sender's layout: NCHW always, NHWC where its channels fit the CPU's block as the policy requires.</summary>
    private static IEnumerable<MemoryLayout> PolicyLayouts(StitchShape shape)
    {
        yield return MemoryLayout.Nchw;
        var block = Hardware.CpuFeatures.Current.VectorBlock;
        if (shape.InChannels % block == 0 && shape.OutChannels % block == 0) yield return MemoryLayout.Nhwc;
    }

    private static IEnumerable<KernelFailure> CheckTraining(KernelNetwork net, MemoryLayout layout, Subject what, string? perturb)
    {
        using var scope = NewDisposeScope();
        var (candidate, reference) = Pair(net);
        candidate.UseChannelsLast(layout == MemoryLayout.Nhwc);
        candidate.train();
        reference.train();
        var x = Inputs(net.InChannels, 1);
        var labels = randint(0, net.Classes, [Batch], generator: Seeded(2));
        var failures = new List<KernelFailure>();
        for (var round = 1; round <= 2; round++)
        {
            var before = candidate.parameters().Select(p => p.detach().clone()).ToList();
            var got = TrainStep(candidate, x.to(ScalarType.Float32), labels);
            var want = TrainStep(reference, x, labels);
            var scale = GradientScale(want);
            foreach (var (key, tensor) in got)
                Compare(failures, what, round, key, Perturbed(tensor, what, key, perturb), want[key], ScalarType.Float32, scale);
            var after = candidate.parameters().ToList();
            foreach (var ((name, _), k) in candidate.named_parameters().Select((p, k) => (p, k)))
                if (!after[k].detach().eq(before[k]).all().item<bool>())
                    failures.Add(what.Failure($"{name} was overwritten by a forward/backward pass that must not write it (out-of-bounds write)"));
            foreach (var (name, buffer) in candidate.named_buffers().Where(b => b.name.Contains("running", StringComparison.Ordinal)))
                Compare(failures, what, round, name, buffer, reference.named_buffers().First(b => b.name == name).buffer, ScalarType.Float32);
            if (failures.Count > 0) break;
        }
        candidate.Dispose();
        reference.Dispose();
        return failures;
    }

    private static Dictionary<string, Tensor> TrainStep(ResNet model, Tensor x, Tensor labels)
    {
        model.zero_grad();
        var input = x.detach().clone().requires_grad_(true);
        var logits = model.call(input);
        nn.functional.cross_entropy(logits, labels).backward();
        var result = new Dictionary<string, Tensor> { ["logits"] = logits.detach(), ["input gradient"] = input.grad!.detach().clone() };
        foreach (var (name, p) in model.named_parameters())
            result[$"{name} gradient"] = p.grad!.detach().clone();
        return result;
    }

    private static IEnumerable<KernelFailure> CheckFrozen(KernelNetwork net, MemoryLayout layout, ScalarType dtype, Subject what, string? perturb)
    {
        using var scope = NewDisposeScope();
        var (candidate, reference) = Pair(net);
        candidate.UseChannelsLast(layout == MemoryLayout.Nhwc);
        candidate.to(dtype);
        // The reference computes with the candidate's own (rounded) weights and input: what is compared is the kernels'
        // arithmetic, not the rounding of the weights to bf16.
        using (no_grad())
        {
            var rounded = candidate.state_dict();
            foreach (var (name, value) in reference.state_dict()) value.copy_(rounded[name].to(ScalarType.Float64));
        }
        candidate.eval();
        reference.eval();
        foreach (var p in candidate.parameters().Concat(reference.parameters())) p.requires_grad = false;
        var x = Inputs(net.InChannels, 3).to(dtype).to(ScalarType.Float64);
        var failures = new List<KernelFailure>();
        for (var round = 1; round <= 2 && failures.Count == 0; round++)
        {
            // Every layer's output, so that a failure names the first layer that goes wrong.
            for (var k = 0; k < candidate.Layers.Count && failures.Count == 0; k++)
            {
                using var inner = NewDisposeScope();
                var key = $"output of layer {candidate.Layers[k].Name}";
                Compare(failures, what, round, key, Perturbed(candidate.ForwardPrefix(x.to(dtype), k), what, key, perturb), reference.ForwardPrefix(x, k), dtype);
            }
            // The gradient a stitch's training sends back through a frozen network, layer by layer (through a whole deep
            // network bf16's rounding alone grows to 0.3 for ResNet34, which would hide a broken kernel): each layer's
            // backward from the reference's own input to it, and the head's.
            for (var k = 1; k < candidate.Layers.Count && failures.Count == 0; k++)
            {
                using var inner = NewDisposeScope();
                var input = reference.ForwardPrefix(x, k - 1).to(dtype).to(ScalarType.Float64);
                var key = $"input gradient of layer {candidate.Layers[k].Name}";
                var (got, want) = (InputGradient(h => candidate.ForwardLayer(h, k), input.to(dtype)), InputGradient(h => reference.ForwardLayer(h, k), input));
                Compare(failures, what, round, key, Perturbed(got, what, key, perturb), want, dtype);
            }
            using (NewDisposeScope())
            {
                var last = candidate.Layers.Count - 1;
                var input = reference.ForwardPrefix(x, last).to(dtype).to(ScalarType.Float64);
                var (got, want) = (InputGradient(h => candidate.ForwardSuffix(h, last), input.to(dtype)), InputGradient(h => reference.ForwardSuffix(h, last), input));
                Compare(failures, what, round, "input gradient of the head", Perturbed(got, what, "input gradient of the head", perturb), want, dtype);
            }
        }
        candidate.Dispose();
        reference.Dispose();
        return failures;
    }

    private static Tensor InputGradient(Func<Tensor, Tensor> layer, Tensor input)
    {
        var h = input.detach().requires_grad_(true);
        var output = layer(h);
        // A fixed random projection: a linear loss, whose gradient rounds no worse than the layer does.
        using var projection = randn(output.shape, ScalarType.Float64, generator: Seeded(6)).to(output.dtype);
        (output * projection).sum().backward();
        return h.grad!.detach().clone();
    }

    private static IEnumerable<KernelFailure> CheckStitch(StitchShape shape, MemoryLayout layout, Subject what, string? perturb)
    {
        using var scope = NewDisposeScope();
        var candidate = Stitch.Create(shape, seed: 3);
        var reference = Stitch.Create(shape, seed: 3);
        reference.to(ScalarType.Float64);
        ChannelsLast.Convert(candidate, layout == MemoryLayout.Nhwc);
        candidate.train();
        reference.train();
        var x = randn([Batch, shape.InChannels, shape.InSize, shape.InSize], ScalarType.Float64, generator: Seeded(4));
        var projection = randn([Batch, shape.OutChannels, shape.OutSize, shape.OutSize], ScalarType.Float64, generator: Seeded(5));
        var failures = new List<KernelFailure>();
        for (var round = 1; round <= 2 && failures.Count == 0; round++)
        {
            Dictionary<string, Tensor> Step(Stitch s, Tensor input)
            {
                s.zero_grad();
                var xin = (layout == MemoryLayout.Nhwc && input.dtype == ScalarType.Float32 ? ChannelsLast.Of(input) : input).detach().requires_grad_(true);
                var y = s.call(xin);
                // A fixed random projection: y's squares would be constant after a batch norm, with gradients of zero before it.
                (y * projection.to(y.dtype)).sum().backward();
                var r = new Dictionary<string, Tensor> { ["output"] = y.detach(), ["input gradient"] = xin.grad!.detach().clone() };
                foreach (var (name, p) in s.named_parameters()) r[$"{name} gradient"] = p.grad!.detach().clone();
                return r;
            }
            var got = Step(candidate, x.to(ScalarType.Float32));
            var want = Step(reference, x);
            var scale = GradientScale(want);
            foreach (var (key, tensor) in got) Compare(failures, what, round, key, Perturbed(tensor, what, key, perturb), want[key], ScalarType.Float32, scale);
        }
        candidate.Dispose();
        reference.Dispose();
        return failures;
    }

    private static (ResNet Candidate, ResNet Reference) Pair(KernelNetwork net)
    {
        var spec = ResNetSpec.Parse(net.Arch);
        var candidate = ResNet.Create(spec, net.Width, net.InChannels, net.Classes, seed: 1);
        var reference = ResNet.Create(spec, net.Width, net.InChannels, net.Classes, seed: 1);
        reference.to(ScalarType.Float64);
        return (candidate, reference);
    }

    private static Tensor Inputs(int channels, ulong seed) =>
        randn([Batch, channels, Images, Images], ScalarType.Float64, generator: Seeded(seed));

    private static double GradientScale(Dictionary<string, Tensor> tensors) =>
        tensors.Where(t => t.Key.EndsWith("gradient", StringComparison.Ordinal)).Select(t => t.Value.norm().item<double>()).DefaultIfEmpty(0).Max();

    /// <summary>What a case checks, for its failures' names.</summary>
    private sealed record Subject(string Name, MemoryLayout Layout, ScalarType DType)
    {
        public KernelFailure Failure(string detail) => new(Name, detail, Layout, DType);
    }

    private static Generator Seeded(ulong seed) => new(seed);

    // A perturbation names a tensor, optionally with its case ("nhwc fp32 training: layer1.0.conv1.weight"), and
    // optionally where it applies: "@native" (no ISA cap), "@AVX512_CORE" (that cap), "@onednn" (oneDNN on).
    private static Tensor Perturbed(Tensor t, Subject what, string key, string? perturb)
    {
        if (perturb is null) return t;
        var at = perturb.IndexOf('@', StringComparison.Ordinal);
        var (target, where) = at < 0 ? (perturb, null) : (perturb[..at], perturb[(at + 1)..]);
        var applies = where switch
        {
            null => true,
            "native" => OneDnn.IsaCap is null,
            "onednn" => OneDnn.Enabled,
            _ => string.Equals(OneDnn.IsaCap, where, StringComparison.OrdinalIgnoreCase),
        };
        return applies && $"{what.Name}: {key}".Contains(target, StringComparison.Ordinal) ? t * 1.5 : t;
    }

    /// <param name="scale">
    /// The size of the case's largest tensor of this kind: an error is relative to the tensor's own norm, but at least
    /// 1% of this (a conv bias before batch norm has a true gradient of zero, where any rounding is "infinitely" wrong).
    /// </param>
    private static void Compare(List<KernelFailure> failures, Subject what, int round, string key, Tensor got, Tensor want, ScalarType dtype, double scale = 0)
    {
        var g = got.to(ScalarType.Float64);
        var w = want.to(ScalarType.Float64);
        var when = round == 1 ? "" : " (second call)";
        if (!g.isfinite().all().item<bool>())
        {
            failures.Add(what.Failure($"{key}{when} holds NaN or Inf"));
            return;
        }
        var norm = w.norm().item<double>();
        var error = (g - w).norm().item<double>() / Math.Max(Math.Max(norm, 0.01 * scale), 1e-30);
        var tolerance = Tolerance(dtype);
        if (error > tolerance)
            failures.Add(what.Failure(string.Create(CultureInfo.InvariantCulture,
                $"{key}{when}: relative error {error:G3} against float64 (tolerance {tolerance:G2})")));
    }
}

/// <summary>A network family to check: architecture, width, image channels and classes.</summary>
public sealed record KernelNetwork(string Arch, int Width, int InChannels, int Classes)
{
    public override string ToString() => $"{Arch} w{Width} {InChannels}ch {Classes}cl";
}

/// <summary>
/// What to check: networks (trained in fp32, frozen in each of <see cref="FrozenTypes"/>), stitches, in each layout
/// (none listed: each in the layout the policy gives it on this CPU).
/// </summary>
public sealed record KernelCheckPlan(IReadOnlyList<KernelNetwork> Networks, IReadOnlyList<StitchShape> Stitches,
    IReadOnlyList<MemoryLayout> Layouts, IReadOnlyList<ScalarType> FrozenTypes)
{
    /// <summary>Whether the networks are also checked in training (fp32, train mode, every weight's gradient); false: frozen use only.</summary>
    public bool Training { get; init; } = true;

    /// <summary>Whether a failure may be met by running every network in the other layout (false for stitches: their layout is their senders').</summary>
    public bool LayoutFallback { get; init; } = true;

    /// <summary>A stable description: the cache key of a result.</summary>
    public string Description =>
        $"networks [{string.Join("; ", Networks)}] stitches [{string.Join("; ", Stitches)}] layouts [{string.Join(",", Layouts)}] frozen [{string.Join(",", FrozenTypes)}] training {Training}";

    /// <summary>
    /// Every kind of kernel the engine runs, at channel counts on and off oneDNN's 8 and 16 blocks, each network in
    /// the layout the policy gives it on this CPU (no layouts listed): what a CPU is checked with before anything is
    /// known of the run (the startup ISA choice, <c>kernel-check</c>). A failure of a layout the policy never picks
    /// (NHWC at width 4 on AVX2) must not cost the whole run a lower ISA; the run's own check covers forced layouts.
    /// </summary>
    private static readonly int[] GenericWidths = [4, 8, 12, 16, 24];

    public static KernelCheckPlan Generic(bool bf16)
    {
        var networks = GenericWidths.Select(w => new KernelNetwork("resnet(1,1,1,1)", w, 1, 10)).ToList();
        var stitches = new List<StitchShape>();
        foreach (var (c, d) in new[] { (8, 8), (8, 16), (16, 8), (12, 24), (24, 12), (16, 32) })
        {
            stitches.Add(new StitchShape(StitchKind.Conv1x1, 1, c, d, 16, 16));
            stitches.Add(new StitchShape(StitchKind.StridedConv, 2, c, d, 16, 8));
            stitches.Add(new StitchShape(StitchKind.UpsampleConv1x1, 2, c, d, 8, 16));
        }
        stitches.Add(new StitchShape(StitchKind.StridedConv, 4, 8, 8, 32, 8, BatchNorm: true));
        return new KernelCheckPlan(networks, stitches, [],
            bf16 ? [ScalarType.Float32, ScalarType.BFloat16] : [ScalarType.Float32]);
    }

    /// <summary>The networks of a run at their width, and the stitches between their layers (one of each shape).</summary>
    public static KernelCheckPlan For(IEnumerable<KernelNetwork> networks, IEnumerable<StitchShape> stitches, IEnumerable<MemoryLayout> layouts, IEnumerable<ScalarType> frozenTypes) =>
        new(networks.Distinct().ToList(), stitches.Distinct().ToList(), layouts.Distinct().ToList(), frozenTypes.Distinct().ToList());
}

/// <summary>A tensor the kernels computed wrong: which case (network, layout, precision) and what.</summary>
public sealed record KernelFailure(string Case, string Detail, MemoryLayout Layout, ScalarType DType)
{
    public override string ToString() => $"{Case}: {Detail}";
}

/// <summary>The cases checked, the failures (none: passed) and the seconds it took.</summary>
public sealed record KernelCheckResult(IReadOnlyList<string> Cases, IReadOnlyList<KernelFailure> Failures, double Seconds)
{
    public bool Passed => Failures.Count == 0;
}
