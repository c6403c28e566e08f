using Stitching.Domain.Contracts;
using static TorchSharp.torch;

namespace Stitching.Engine.Training;

/// <summary>
/// The dtype of the frozen prefix and suffix. <c>auto</c> is bf16 on CUDA, and on a CPU with bf16 instructions (AMX or
/// AVX-512 BF16) only where its bf16 kernels pass the self-check and are measured faster than fp32
/// (<see cref="Kernels.Bf16Choice"/>); stitches always keep fp32 master weights.
/// </summary>
public static class Precision
{
    public static ScalarType Resolve(ComputePrecision setting, Device device) => setting switch
    {
        ComputePrecision.Fp32 => ScalarType.Float32,
        ComputePrecision.Bf16 => ScalarType.BFloat16,
        ComputePrecision.Auto => HasFastBFloat16(device) ? ScalarType.BFloat16 : ScalarType.Float32,
        _ => throw new ArgumentException($"Unknown precision '{setting}'. Use {WireNames.Allowed<ComputePrecision>()}."),
    };

    /// <summary>CUDA; or a CPU whose bf16 kernels pass the self-check and were measured faster than fp32 (<see cref="Kernels.Bf16Choice"/>).</summary>
    public static bool HasFastBFloat16(Device device) =>
        device.type == TorchSharp.DeviceType.CUDA || Kernels.Bf16Choice.Current.UseBf16;

    public static string Name(ScalarType t) => (t == ScalarType.BFloat16 ? ComputePrecision.Bf16 : ComputePrecision.Fp32).Name();
}
