using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Stitching.Engine.Hardware;

namespace Stitching.Engine.Kernels;

/// <summary>
/// Chooses, before libtorch's first convolution, the highest oneDNN instruction set whose kernels pass the generic
/// self-check (<see cref="KernelCheckPlan.Generic"/>) on this CPU. Each candidate is checked in a child process (a
/// broken kernel may corrupt the heap, and oneDNN reads its cap only once per process), from the CPU's own ISA down:
/// on the AMD EPYC Zen 5 of issue 21 that is AVX-512 (wrong gradients, NaN) and then AVX2 (correct, as fast in fp32).
/// The verdict is cached per CPU model, flags and libtorch version; a cap the user set is left alone (the in-process
/// <see cref="KernelGuard"/> still checks it).
/// </summary>
public static class KernelIsa
{
    /// <summary>Set in a probe child, so that it checks its own configuration instead of choosing one.</summary>
    public const string ProbeVariable = "STITCHING_KERNEL_PROBE";

    /// <summary>The cap this process runs under because the startup choice set it (null: none, or set by the user).</summary>
    public static string? Chosen { get; private set; }

    /// <summary>The caps this CPU supports below its own highest, from the highest (the candidates after "no cap").</summary>
    public static IReadOnlyList<string> LowerCaps(CpuFeatures cpu)
    {
        bool Has(params string[] flags) => flags.All(cpu.Flags.Contains);
        var supported = new List<string>();
        if (Has("amx_bf16", "amx_tile")) supported.Add("AVX512_CORE_AMX");
        if (Has("avx512_bf16", "avx512bw")) supported.Add("AVX512_CORE_BF16");
        if (Has("avx512_vnni", "avx512bw")) supported.Add("AVX512_CORE_VNNI");
        if (Has("avx512f", "avx512bw", "avx512vl", "avx512dq")) supported.Add("AVX512_CORE");
        if (Has("avx_vnni", "avx2")) supported.Add("AVX2_VNNI");
        if (Has("avx2")) supported.Add("AVX2");
        if (Has("sse4_1")) supported.Add("SSE41");
        return supported.Skip(1).ToList();
    }

    /// <summary>
    /// Sets <c>ONEDNN_MAX_CPU_ISA</c> for this process to the highest cap that passes, if the CPU's own ISA does not.
    /// <paramref name="probe"/> makes the start of this application's <c>kernel-check</c>; each candidate cap is put in
    /// its environment here. Returns the cap set, or null (none needed, set by the user, a probe child, or nothing passed:
    /// then the in-process guard decides).
    /// </summary>
    public static string? SelectAtStartup(Func<ProcessStartInfo> probe, ILogger? logger = null)
    {
        if (Environment.GetEnvironmentVariable(ProbeVariable) is { Length: > 0 } || OneDnn.IsaCap is not null) return null;
        var cpu = CpuFeatures.Current;
        if (cpu.Flags.Count == 0) return null; // not Linux: no /proc/cpuinfo to key the verdict by; the in-process guard checks
        var file = VerdictCache.File("isa");
        var verdict = VerdictCache.Read<IsaVerdict>(file);
        if (verdict is null)
        {
            var clock = Stopwatch.StartNew();
            var tried = new List<string>();
            string? chosen = null;
            var passed = false;
            var allVerdicts = true;
            foreach (var cap in new string?[] { null }.Concat(LowerCaps(cpu)))
            {
                var (ok, detail, hadVerdict) = Probe(probe, cap);
                allVerdicts &= hadVerdict;
                tried.Add($"{cap ?? "native"}: {(ok ? "passed" : detail)}");
                if (!ok) continue;
                (chosen, passed) = (cap, true);
                break;
            }
            verdict = new IsaVerdict(chosen, passed, tried, clock.Elapsed.TotalSeconds);
            // Kept only when every probe answered (passed, or exit 3 naming a wrong kernel): a crash or a time-out may be
            // the machine's state rather than the kernels', so the next run probes again.
            if (allVerdicts) VerdictCache.Write(file, verdict);
            if (chosen is not null || !passed)
                logger?.LogWarning("oneDNN kernel check on {Cpu}: {Tried} ({Seconds:F1} s)", cpu.Description, string.Join("; ", tried), verdict.Seconds);
        }
        if (verdict.Cap is { } chosenCap)
        {
            OneDnn.SetIsaCap(chosenCap);
            CpuFeatures.Refresh(); // the layout rule and the description follow the cap, as under a cap set by hand
            Chosen = chosenCap;
            logger?.LogWarning("Running oneDNN with {Variable}={Cap}: its kernels at this CPU's own ISA failed the self-check ({Cache}).",
                OneDnn.IsaVariable, chosenCap, file);
        }
        return verdict.Cap;
    }

    private static (bool Ok, string Detail, bool Verdict) Probe(Func<ProcessStartInfo> probe, string? cap)
    {
        var (exit, output) = RunProbe(probe(), cap);
        return exit == 0 ? (true, "", true)
            : (false, $"{(exit is null ? "timed out" : $"exit {exit}")}{(output.Length > 0 ? ": " + output : "")}", exit == KernelCheck.FailedExitCode);
    }

    /// <summary>
    /// Runs a <c>kernel-check</c> child with <paramref name="cap"/> as its oneDNN cap (null: none) and the probe marker
    /// set; returns its exit code (null: killed after <paramref name="timeout"/>, 5 minutes by default) and its first
    /// FAILED line, or its last line.
    /// </summary>
    public static (int? Exit, string Output) RunProbe(ProcessStartInfo start, string? cap, TimeSpan? timeout = null)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment[ProbeVariable] = "1";
        if (cap is null) start.Environment.Remove(OneDnn.IsaVariable);
        else start.Environment[OneDnn.IsaVariable] = cap;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the kernel check ({start.FileName}).");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (null, "");
        }
        process.WaitForExit();
        var lines = (output.Result + "\n" + error.Result).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (process.ExitCode, lines.FirstOrDefault(l => l.StartsWith("FAILED", StringComparison.Ordinal)) ?? lines.LastOrDefault() ?? "");
    }

    /// <summary>The cap chosen (null: none needed or none passed), whether a configuration passed, what was tried, seconds.</summary>
    public sealed record IsaVerdict(string? Cap, bool Passed, IReadOnlyList<string> Tried, double Seconds);
}
