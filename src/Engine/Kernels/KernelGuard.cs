using System.Globalization;
using Microsoft.Extensions.Logging;
using Stitching.Engine.Hardware;
using Stitching.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Kernels;

/// <summary>
/// Nothing trains on CPU kernels this process has not checked (<see cref="KernelCheck"/>). Before a network is trained
/// or used, <see cref="Ensure"/> checks its kernels in the configuration the run would use, once per CPU model, ISA cap,
/// oneDNN state, thread count, libtorch version and case set (cached on disk, so a second run pays nothing). On a
/// failure it logs a warning naming the kernel and moves to a configuration that passes, in this order:
/// <list type="number">
/// <item>the other memory layout, where only one layout's cases failed (<see cref="ForcedLayout"/>);</item>
/// <item>oneDNN off (libtorch's own loops: correct, slower; measured 4x at width 8 in fp32 on an AMD EPYC);</item>
/// </list>
/// and if none passes it refuses with <see cref="KernelCheckException"/>. A lower oneDNN ISA, which keeps the speed,
/// can only be chosen before libtorch's first convolution: the hosts do that at startup (<see cref="KernelIsa"/>).
/// What was chosen is part of <see cref="HardwareDescription"/>, so it is in the provenance of every row and model.
/// CUDA is not checked (its kernels are not oneDNN's; the reference would be another device).
/// </summary>
public static class KernelGuard
{
    /// <summary>Bumped when the cases or tolerances change: older cached verdicts are not reused.</summary>
    internal const int CheckVersion = 2;

    private static readonly Lock Gate = new();
    private static readonly HashSet<string> Passed = [];

    /// <summary>A layout every network of this process must use because the other one failed the check; null: none.</summary>
    public static MemoryLayout? ForcedLayout { get; private set; }

    /// <summary>Where verdicts are cached (<see cref="VerdictCache"/>): $STITCHING_KERNEL_CHECKS, or ~/.cache/stitching/kernel-checks.</summary>
    public static string CacheDirectory => VerdictCache.Directory;

    /// <summary>Test hook: the named tensor (substring) is corrupted in every check, as a broken kernel would be.</summary>
    public static string? Perturb { get; set; } = Environment.GetEnvironmentVariable("STITCHING_KERNEL_CHECK_PERTURB") is { Length: > 0 } p ? p : null;

    /// <summary>What the checks changed in this process, for <see cref="HardwareDescription"/>; empty when every check passed as configured.</summary>
    public static string Summary
    {
        get
        {
            lock (Gate)
            {
                var parts = new List<string>();
                // A cap set by hand is already in the CPU's description; one the self-check chose is said here.
                if (KernelIsa.Chosen is { } cap) parts.Add($"{OneDnn.IsaVariable}={cap} chosen by the self-check");
                if (!OneDnn.Enabled) parts.Add("oneDNN off");
                if (ForcedLayout is { } layout) parts.Add($"layout {LayoutPolicy.Name(layout)} forced");
                return string.Join(", ", parts);
            }
        }
    }

    /// <summary>
    /// Checks <paramref name="plan"/>'s kernels on this CPU before they are used; moves to a configuration that passes
    /// or throws <see cref="KernelCheckException"/>. Returns the result that decided (the cached one on a hit).
    /// </summary>
    public static KernelCheckResult? Ensure(KernelCheckPlan plan, Device device, ILogger? logger = null)
    {
        if (device.type != DeviceType.CPU) return null;
        lock (Gate)
        {
            var first = CheckCached(plan, logger);
            if (first.Passed) return first;
            logger?.LogWarning("Kernel self-check failed on {Cpu} ({Configuration}): {Failures}. Trying another configuration.",
                CpuFeatures.Current.Description, Configuration, Describe(first.Failures));

            // 1. The other layout, where only one layout failed.
            var failedLayouts = first.Failures.Select(f => f.Layout).Distinct().ToList();
            // Not where the user forced a layout (--layout): that layout is what runs, so it must pass as it is.
            // Nor for stitches: their layout is their senders', already laid out when they are checked.
            if (failedLayouts.Count == 1 && ForcedLayout is null && LayoutPolicy.Override is null && plan.LayoutFallback)
            {
                var other = failedLayouts[0] == MemoryLayout.Nchw ? MemoryLayout.Nhwc : MemoryLayout.Nchw;
                if (CheckCached(plan with { Layouts = [other] }, logger).Passed)
                {
                    ForcedLayout = other;
                    logger?.LogWarning("Using {Layout} for every network: {Failed} kernels are wrong on this CPU ({Failure}).",
                        LayoutPolicy.Name(other), LayoutPolicy.Name(failedLayouts[0]), first.Failures[0]);
                    return first;
                }
            }
            // 2. oneDNN off: libtorch's own loops.
            if (OneDnn.Enabled && OneDnn.CanDisable)
            {
                OneDnn.SetEnabled(false);
                var without = CheckCached(plan, logger);
                if (without.Passed)
                {
                    logger?.LogWarning("oneDNN switched off for this process: its kernels are wrong on this CPU ({Failure}); libtorch's own kernels passed (slower).",
                        first.Failures[0]);
                    return first;
                }
                OneDnn.SetEnabled(true);
                throw new KernelCheckException(plan, first.Failures.Concat(without.Failures).ToList(), "oneDNN on and off both failed");
            }
            throw new KernelCheckException(plan, first.Failures, OneDnn.CanDisable ? "oneDNN is already off" : "oneDNN cannot be switched off on this platform");
        }
    }

    /// <summary>
    /// How to start this application's <c>kernel-check</c> with the given arguments, registered by a host (the CLI and
    /// worker, the test hosts). With it, a check runs in a child process in this process's configuration (ISA cap
    /// inherited, oneDNN state and threads passed): a broken kernel that corrupts the heap (as on Zen 5: "double free
    /// or corruption") then takes down the child, read as a failure, never the run. Without it the check runs here.
    /// </summary>
    public static Func<IReadOnlyList<string>, System.Diagnostics.ProcessStartInfo>? Launcher { get; set; }

    /// <summary>
    /// Runs <paramref name="plan"/> in this process's configuration: in a child when a <see cref="Launcher"/> is registered,
    /// else here. <c>Verdict</c> is false when the child ended without one (crash, time-out): a failure now, but not cached.
    /// </summary>
    internal static (KernelCheckResult Result, bool Verdict) Check(KernelCheckPlan plan) =>
        Launcher is null ? (KernelCheck.Run(plan, Perturb), true) : RunInChild(plan, Launcher);

    private static (KernelCheckResult Result, bool Verdict) RunInChild(KernelCheckPlan plan, Func<IReadOnlyList<string>, System.Diagnostics.ProcessStartInfo> launcher)
    {
        var folder = Directory.CreateTempSubdirectory("stitching-kernel-check-");
        try
        {
            var planFile = Path.Combine(folder.FullName, "plan.json");
            var resultFile = Path.Combine(folder.FullName, "result.json");
            File.WriteAllText(planFile, System.Text.Json.JsonSerializer.Serialize(plan));
            var start = launcher(["kernel-check", "--plan", planFile, "--json", resultFile,
                "--onednn", OneDnn.Enabled ? "on" : "off", "--threads", get_num_threads().ToString(CultureInfo.InvariantCulture)]);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var (exit, output) = KernelIsa.RunProbe(start, OneDnn.IsaCap); // this process's cap
            if (exit is 0 or KernelCheck.FailedExitCode && VerdictCache.Read<KernelCheckResult>(resultFile) is { } result) return (result, true);
            // No verdict: the child crashed or hung; that is a failure of every layout it was checking.
            var detail = $"the check process ended with {(exit is null ? "a time-out" : $"exit {exit}")} and no verdict: {output}";
            var layouts = plan.Layouts.Count > 0 ? plan.Layouts : [MemoryLayout.Nchw, MemoryLayout.Nhwc];
            return (new KernelCheckResult([plan.Description], layouts.Select(l => new KernelFailure("kernel check process", detail, l, ScalarType.Float32)).ToList(),
                clock.Elapsed.TotalSeconds), false);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The configuration a verdict depends on, beside the plan.</summary>
    public static string Configuration => string.Create(CultureInfo.InvariantCulture,
        $"cap {OneDnn.IsaCap ?? "none"}, oneDNN {(OneDnn.Enabled ? "on" : "off")}, {get_num_threads()} threads{OneDnnSettings}");

    // Other oneDNN settings change its kernels too (ONEDNN_DEFAULT_FPMATH_MODE lets fp32 run in bf16): they key the verdict.
    private static string OneDnnSettings => string.Concat(Environment.GetEnvironmentVariables().Keys.Cast<string>()
        .Where(k => (k.StartsWith("ONEDNN_", StringComparison.Ordinal) || k.StartsWith("DNNL_", StringComparison.Ordinal)) && k is not OneDnn.IsaVariable and not "DNNL_MAX_CPU_ISA")
        .Order(StringComparer.Ordinal).Select(k => $", {k}={Environment.GetEnvironmentVariable(k)}"));

    private static KernelCheckResult CheckCached(KernelCheckPlan plan, ILogger? logger)
    {
        var cpu = CpuFeatures.Current;
        var file = VerdictCache.File("check", Configuration, plan.Description);
        if (Passed.Contains(file)) return new KernelCheckResult([], [], 0);
        if (VerdictCache.Read<KernelCheckResult>(file) is { } cached)
        {
            if (cached.Passed) Passed.Add(file);
            return cached;
        }
        var (result, verdict) = Check(plan);
        logger?.LogInformation("Kernel self-check on {Cpu} ({Configuration}): {Cases} cases {Verdict} in {Seconds:F1} s",
            cpu.Description, Configuration, result.Cases.Count, result.Passed ? "passed" : "FAILED", result.Seconds);
        // A child that died without a verdict (a crash, a time-out, a broken launcher) is not a fact about the kernels
        // worth keeping: the next run checks again.
        if (verdict) VerdictCache.Write(file, result);
        if (result.Passed) Passed.Add(file);
        return result;
    }

    internal static string Describe(IReadOnlyList<KernelFailure> failures) =>
        string.Join("; ", failures.Take(3).Select(f => f.ToString())) + (failures.Count > 3 ? $"; and {failures.Count - 3} more" : "");
}

/// <summary>No kernel configuration of this CPU computes the run's networks right: the run is refused.</summary>
public sealed class KernelCheckException(KernelCheckPlan plan, IReadOnlyList<KernelFailure> failures, string tried)
    : Exception($"The kernel self-check failed on {CpuFeatures.Current.Description} ({tried}): {KernelGuard.Describe(failures)}. " +
                $"Nothing was trained. Checked: {plan.Networks.Count} network(s), {plan.Stitches.Count} stitch shape(s). " +
                $"Try a lower oneDNN ISA ({OneDnn.IsaVariable}=AVX2) or --precision fp32, and report the CPU.")
{
    public IReadOnlyList<KernelFailure> Failures { get; } = failures;
}
