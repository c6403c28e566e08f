namespace Stitching.Engine.Hardware;

/// <summary>
/// What this CPU offers the kernels libtorch dispatches to (oneDNN for convolutions and bf16 matmuls), read once
/// from /proc/cpuinfo. <c>ONEDNN_MAX_CPU_ISA</c> (oneDNN's own switch) caps it the way it caps oneDNN, so an
/// AVX-512 machine run with <c>ONEDNN_MAX_CPU_ISA=AVX2</c> makes the same choices as an AVX2-only CPU (an AMD
/// EPYC without AVX-512, say): that is how the layout rule is tested for both kinds on either.
/// </summary>
public sealed record CpuFeatures(string Model, IReadOnlySet<string> Flags, string? IsaCap)
{
    public static CpuFeatures Current { get; private set; } = Read();

    /// <summary>Reads the CPU again, after the startup ISA choice set a cap (<see cref="Kernels.KernelIsa"/>).</summary>
    internal static void Refresh() => Current = Read();

    /// <summary>oneDNN runs its AVX-512 kernels (16 fp32 lanes).</summary>
    public bool Avx512 => Flags.Contains("avx512f") && CapAllows("AVX512", "AVX10");

    /// <summary>bf16 arithmetic in hardware (AMX or AVX-512 BF16); elsewhere bf16 is emulated and slower than fp32.</summary>
    public bool NativeBf16 =>
        (Flags.Contains("amx_bf16") && CapAllows("AMX", "AVX10_1_512_AMX")) ||
        (Flags.Contains("avx512_bf16") && CapAllows("BF16", "AMX", "AVX10"));

    /// <summary>
    /// Channels per SIMD block in oneDNN's fp32 convolution layouts (nChw16c on AVX-512, nChw8c on AVX2 and below).
    /// Channel counts that are not a multiple of it take oneDNN's tail-handling paths.
    /// </summary>
    public int VectorBlock => Avx512 ? 16 : 8;

    /// <summary>The widest vector extension oneDNN uses here, for logs and provenance.</summary>
    public string Isa => NativeBf16 && Flags.Contains("amx_bf16") && CapAllows("AMX", "AVX10_1_512_AMX") ? "avx512+amx"
        : NativeBf16 ? "avx512_bf16" : Avx512 ? "avx512" : Flags.Contains("avx2") ? "avx2" : "sse";

    /// <summary>"Intel(R) Xeon(R) Processor (avx512+amx)": the CPU model and what the engine may use of it.</summary>
    public string Description => $"{Model} ({Isa}{(IsaCap is null ? "" : $", ONEDNN_MAX_CPU_ISA={IsaCap}")})";

    // With no cap, or "ALL", everything the CPU has is used; otherwise the cap's name says which families it keeps.
    private bool CapAllows(params string[] families) =>
        IsaCap is null || IsaCap.Equals("ALL", StringComparison.OrdinalIgnoreCase) ||
        families.Any(f => IsaCap.Contains(f, StringComparison.OrdinalIgnoreCase));

    public static CpuFeatures Read(string cpuinfoPath = "/proc/cpuinfo", string? isaCap = null)
    {
        isaCap ??= Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA");
        if (string.IsNullOrWhiteSpace(isaCap)) isaCap = null;
        try
        {
            var lines = File.ReadLines(cpuinfoPath).Take(64).ToList();
            string Field(string name) => lines.FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
            var model = Field("model name");
            var flags = Field("flags").Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
            return new CpuFeatures(model.Length > 0 ? model : "unknown CPU", flags, isaCap);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new CpuFeatures("unknown CPU", new HashSet<string>(), isaCap); // not Linux: no AVX-512 assumed, fp32, NCHW at narrow widths
        }
    }
}
