using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Stitching.GpuRunner.Hardware;
using Stitching.GpuRunner.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Kernels;

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
    private static readonly List<string> Notes = [];

    /// <summary>A layout every network of this process must use because the other one failed the check; null: none.</summary>
    public static MemoryLayout? ForcedLayout { get; private set; }

    /// <summary>
    /// Where verdicts are cached: $STITCHING_KERNEL_CHECKS, or ~/.cache/stitching/kernel-checks. A verdict is
    /// a small JSON file named by the hash of everything it depends on.
    /// </summary>
    public static string CacheDirectory =>
        Environment.GetEnvironmentVariable("STITCHING_KERNEL_CHECKS") is { Length: > 0 } dir ? dir
            : Path.Combine(Data.DatasetOptions.CacheHome(), "stitching", "kernel-checks");

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
                if (OneDnn.IsaCap is { } cap) parts.Add($"{OneDnn.IsaVariable}={cap}");
                if (!OneDnn.Enabled) parts.Add("oneDNN off");
                if (ForcedLayout is { } layout) parts.Add($"layout {LayoutPolicy.Name(layout)} forced");
                parts.AddRange(Notes);
                return string.Join(", ", parts.Distinct());
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
            if (failedLayouts.Count == 1 && ForcedLayout is null)
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

    /// <summary>The configuration a verdict depends on, beside the plan.</summary>
    public static string Configuration => string.Create(CultureInfo.InvariantCulture,
        $"cap {OneDnn.IsaCap ?? "none"}, oneDNN {(OneDnn.Enabled ? "on" : "off")}, {get_num_threads()} threads");

    private static KernelCheckResult CheckCached(KernelCheckPlan plan, ILogger? logger)
    {
        var cpu = CpuFeatures.Current;
        var key = Hash($"v{CheckVersion}|{cpu.Model}|{string.Join(' ', cpu.Flags.Order(StringComparer.Ordinal))}|{Configuration}|" +
                       $"{Sweeps.EngineProvenance.LibTorchVersion}|{Sweeps.EngineProvenance.TorchSharpVersion}|{plan.Description}|{Perturb}");
        if (Passed.Contains(key)) return new KernelCheckResult([], [], 0);
        var file = Path.Combine(CacheDirectory, key + ".json");
        if (Read(file) is { } cached)
        {
            if (cached.Passed) Passed.Add(key);
            return cached;
        }
        var result = KernelCheck.Run(plan, Perturb);
        logger?.LogInformation("Kernel self-check on {Cpu} ({Configuration}): {Cases} cases {Verdict} in {Seconds:F1} s",
            cpu.Description, Configuration, result.Cases.Count, result.Passed ? "passed" : "FAILED", result.Seconds);
        Write(file, result);
        if (result.Passed) Passed.Add(key);
        return result;
    }

    internal static string Describe(IReadOnlyList<KernelFailure> failures) =>
        string.Join("; ", failures.Take(3).Select(f => f.ToString())) + (failures.Count > 3 ? $"; and {failures.Count - 3} more" : "");

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24];

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, IncludeFields = false };

    private static KernelCheckResult? Read(string file)
    {
        try
        {
            return File.Exists(file) ? JsonSerializer.Deserialize<KernelCheckResult>(File.ReadAllText(file), Json) : null;
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            return null; // an unreadable verdict is checked again
        }
    }

    private static void Write(string file, KernelCheckResult result)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var temp = $"{file}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(result, Json));
            File.Move(temp, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache only costs the check again next time.
        }
    }

    /// <summary>Test hook: forgets this process's verdicts and choices (not the disk cache, which is keyed by configuration).</summary>
    public static void ResetForTests()
    {
        lock (Gate)
        {
            Passed.Clear();
            Notes.Clear();
            ForcedLayout = null;
            if (!OneDnn.Enabled) OneDnn.SetEnabled(true);
        }
    }

    internal static void AddNote(string note)
    {
        lock (Gate) Notes.Add(note);
    }
}

/// <summary>No kernel configuration of this CPU computes the run's networks right: the run is refused.</summary>
public sealed class KernelCheckException(KernelCheckPlan plan, IReadOnlyList<KernelFailure> failures, string tried)
    : Exception($"The kernel self-check failed on {CpuFeatures.Current.Description} ({tried}): {KernelGuard.Describe(failures)}. " +
                $"Nothing was trained. Checked: {plan.Networks.Count} network(s), {plan.Stitches.Count} stitch shape(s). " +
                $"Try a lower oneDNN ISA ({OneDnn.IsaVariable}=AVX2) or --precision fp32, and report the CPU.")
{
    public IReadOnlyList<KernelFailure> Failures { get; } = failures;
}
