using Stitching.Core.Contracts;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Training;

/// <summary>
/// The dtype of the frozen prefix and suffix. bf16 is used where the hardware runs it natively (CUDA with
/// bf16 support, CPUs with AMX or AVX-512 BF16); stitches always keep fp32 master weights.
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

    public static bool HasFastBFloat16(Device device)
    {
        return device.type == TorchSharp.DeviceType.CUDA || Hardware.CpuFeatures.Current.NativeBf16;
    }

    public static string Name(ScalarType t) => (t == ScalarType.BFloat16 ? ComputePrecision.Bf16 : ComputePrecision.Fp32).Name();
}
