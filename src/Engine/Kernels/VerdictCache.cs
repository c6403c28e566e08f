using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Stitching.Engine.Hardware;

namespace Stitching.Engine.Kernels;

/// <summary>
/// The on-disk cache of the kernel checks' verdicts (<see cref="KernelGuard"/>, <see cref="KernelIsa"/>,
/// <see cref="Bf16Choice"/>): one small JSON file each, named by a hash of everything the verdict depends on, so a
/// changed CPU, cap, library or check is simply another file. Written through a temporary file; an unreadable file is
/// treated as absent (checked again), an unwritable folder only costs the check next time.
/// </summary>
internal static class VerdictCache
{
    /// <summary>
    /// Where verdicts are kept: $STITCHING_KERNEL_CHECKS, or ~/.cache/stitching/kernel-checks.
    /// </summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("STITCHING_KERNEL_CHECKS") is { Length: > 0 } dir ? dir
            : Path.Combine(Data.DatasetOptions.CacheHome(), "stitching", "kernel-checks");

    /// <summary>The file of a verdict of <paramref name="kind"/> that depends on this CPU, the check's version and <paramref name="parts"/>.</summary>
    public static string File(string kind, params string[] parts)
    {
        var cpu = CpuFeatures.Current;
        var text = $"{kind}|v{KernelGuard.CheckVersion}|{cpu.Model}|{string.Join(' ', cpu.Flags.Order(StringComparer.Ordinal))}|" +
                   $"{Sweeps.EngineProvenance.LibTorchVersion}|{Sweeps.EngineProvenance.TorchSharpVersion}|{EngineBuild}|{KernelGuard.Perturb}|{string.Join('|', parts)}";
        return Path.Combine(Directory, $"{kind}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..24]}.json");
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    // The engine's own build: the modules a check builds (ResNet, Stitch, the layouts) are its code, so a rebuilt engine checks again.
    private static readonly string EngineBuild = typeof(VerdictCache).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    public static T? Read<T>(string file) where T : class
    {
        try
        {
            return System.IO.File.Exists(file) ? JsonSerializer.Deserialize<T>(System.IO.File.ReadAllText(file)) : null;
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            return null;
        }
    }

    public static void Write<T>(string file, T value)
    {
        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            var temp = $"{file}.{Environment.ProcessId}.tmp";
            System.IO.File.WriteAllText(temp, JsonSerializer.Serialize(value, Indented));
            System.IO.File.Move(temp, file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
