using System.Runtime.CompilerServices;
using System.Text;
using TorchSharp;

namespace Stitching.Engine.Native;

/// <summary>
/// Makes TorchSharp's native library loadable on systems whose libstdc++ predates GLIBCXX_3.4.32
/// (Debian 12, Ubuntu 22.04), by patching the application's own copy. System files are never touched.
/// </summary>
public static class TorchRuntime
{
    public const string MissingVersion = "GLIBCXX_3.4.32";
    private static readonly object Gate = new();
    private static bool _ready;

    private static readonly string[] LibStdCxxDirectories =
    [
        "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64", "/lib64", "/usr/lib", "/lib",
    ];

    // Runs before any code of this assembly, so before the first call into torch from here: the engine library is what
    // calls torch, whichever host (CLI, worker, tests) loads it.
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "libtorch must be patched before the first torch call from this library, whichever host loads it.")]
    internal static void Initialize() => EnsureLoadable();

    /// <summary>Patches libLibTorchSharp.so next to the application if the system libstdc++ lacks GLIBCXX_3.4.32.</summary>
    public static void EnsureLoadable()
    {
        lock (Gate)
        {
            if (_ready || !OperatingSystem.IsLinux()) { _ready = true; return; }
            if (!SystemLibStdCxxHas(MissingVersion))
            {
                foreach (var path in TorchSharpLibraries(AppContext.BaseDirectory))
                    PatchFile(path);
            }
            _ready = true;
        }
    }

    /// <summary>Every copy of libLibTorchSharp.so an app in <paramref name="baseDirectory"/> may load.</summary>
    public static IEnumerable<string> TorchSharpLibraries(string baseDirectory) =>
        new[] { Path.Combine(baseDirectory, "libLibTorchSharp.so"), Path.Combine(baseDirectory, "runtimes", RuntimeInformationRid(), "native", "libLibTorchSharp.so") }
            .Where(File.Exists);

    /// <summary>Marks the GLIBCXX_3.4.32 requirement weak; writes through a temporary file so a crash never leaves half a library.</summary>
    public static bool PatchFile(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (!ElfVersionPatcher.MakeWeak(bytes, MissingVersion)) return false;
        // One temporary file per process: two runners (or test processes) starting together both patch, and both renames
        // put the same bytes in place atomically.
        var temp = $"{path}.{Environment.ProcessId}.patching";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
        return true;
    }

    public static bool SystemLibStdCxxHas(string version)
    {
        var marker = Encoding.ASCII.GetBytes(version + "\0");
        foreach (var dir in LibStdCxxDirectories)
        {
            var candidate = Path.Combine(dir, "libstdc++.so.6");
            if (File.Exists(candidate))
                return File.ReadAllBytes(candidate).AsSpan().IndexOf(marker) >= 0;
        }
        return false;
    }

    /// <summary>The device training runs on: CUDA when present, CPU otherwise.</summary>
    public static torch.Device DefaultDevice => Hardware.DeviceChoice.Pick("auto");

    private static string RuntimeInformationRid() =>
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "linux-arm64" : "linux-x64";
}
