using System.Runtime.InteropServices;

namespace Stitching.Engine.Kernels;

/// <summary>
/// The two switches libtorch offers over oneDNN, its CPU convolution library, that TorchSharp does not expose:
/// <list type="bullet">
/// <item>oneDNN on or off (PyTorch's <c>torch.backends.mkldnn.enabled</c>): off, convolutions run libtorch's own
/// im2col + GEMM loops. Switchable at any time, in this process.</item>
/// <item>the highest instruction set oneDNN may use (<c>ONEDNN_MAX_CPU_ISA</c>): read once, when oneDNN first runs a
/// kernel, so it must be in the native environment before libtorch's first convolution.</item>
/// </list>
/// </summary>
public static class OneDnn
{
    /// <summary>The environment variable oneDNN reads its ISA cap from (DNNL_MAX_CPU_ISA is its older name).</summary>
    public const string IsaVariable = "ONEDNN_MAX_CPU_ISA";

    /// <summary>The cap set for this process (by the user or the startup choice), or null.</summary>
    public static string? IsaCap =>
        Environment.GetEnvironmentVariable(IsaVariable) is { Length: > 0 } cap ? cap
        : Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") is { Length: > 0 } old ? old : null;

    /// <summary>
    /// Sets the cap in the native environment as well as .NET's (on Unix .NET keeps its own copy, which native code
    /// never reads). Only effective before libtorch's first convolution in this process.
    /// </summary>
    public static void SetIsaCap(string cap)
    {
        Environment.SetEnvironmentVariable(IsaVariable, cap);
        if (OperatingSystem.IsWindows()) return; // the CRT reads the process environment .NET just set
        var libc = NativeLibrary.Load(OperatingSystem.IsMacOS() ? "libc.dylib" : "libc.so.6");
        var setenv = Marshal.GetDelegateForFunctionPointer<SetEnv>(NativeLibrary.GetExport(libc, "setenv"));
        if (setenv(IsaVariable, cap, 1) != 0) throw new InvalidOperationException($"setenv({IsaVariable}) failed.");
    }

    private delegate int SetEnv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);

    private static bool _enabled = true;

    /// <summary>Whether libtorch may use oneDNN in this process (true unless <see cref="Disable"/> was called).</summary>
    public static bool Enabled => _enabled;

    /// <summary>Whether this platform's libtorch exports the switch (Linux and macOS: Itanium C++ names).</summary>
    public static bool CanDisable => ContextSetter() is not null;

    /// <summary>Turns oneDNN off (or on) for every later libtorch call of this process.</summary>
    public static void SetEnabled(bool enabled)
    {
        var (context, set) = ContextSetter() ?? throw new PlatformNotSupportedException("This libtorch does not export at::Context::setUserEnabledMkldnn, so oneDNN cannot be switched off here.");
        set(context(), enabled);
        _enabled = enabled;
    }

    private delegate IntPtr GlobalContext();
    private delegate void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    private static (GlobalContext, SetUserEnabledMkldnn)? _setter;

    private static (GlobalContext, SetUserEnabledMkldnn)? ContextSetter()
    {
        if (_setter is not null) return _setter;
        _ = TorchSharp.torch.zeros(1); // libtorch is loaded by TorchSharp's first call
        foreach (var name in new[] { "libtorch_cpu.so", "libtorch_cpu.dylib", "torch_cpu.dll" })
        {
            if (!NativeLibrary.TryLoad(name, out var lib)) continue;
            // at::globalContext() and at::Context::setUserEnabledMkldnn(bool): `this` is the first argument on x86-64 and arm64.
            if (NativeLibrary.TryGetExport(lib, "_ZN2at13globalContextEv", out var context) &&
                NativeLibrary.TryGetExport(lib, "_ZN2at7Context20setUserEnabledMkldnnEb", out var set))
                return _setter = (Marshal.GetDelegateForFunctionPointer<GlobalContext>(context), Marshal.GetDelegateForFunctionPointer<SetUserEnabledMkldnn>(set));
        }
        return null;
    }
}
