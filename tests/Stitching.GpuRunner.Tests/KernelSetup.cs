using System.Runtime.CompilerServices;
using Stitching.Engine.Kernels;

namespace Stitching.GpuRunner.Tests;

/// <summary>
/// The test host trains with the engine in-process, so it does what the CLI does at startup (Program.cs) before any
/// test calls libtorch: the oneDNN ISA whose kernels pass here (checked in CLI child processes), and the run's own
/// checks in child processes, so a kernel that corrupts the heap takes down a child, not the test host.
/// </summary>
internal static class KernelSetup
{
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "oneDNN reads its ISA cap once, before libtorch's first kernel: only a module initializer runs early enough in a test host.")]
    internal static void Initialize()
    {
        KernelGuard.Launcher = args => GpuRunnerDll.Start([.. args]);
        KernelIsa.SelectAtStartup(() => GpuRunnerDll.Start("kernel-check"));
    }
}
