using static TorchSharp.torch;

namespace Stitching.GpuRunner.Training;

/// <summary>
/// The dtype of the frozen prefix and suffix. bf16 is used where the hardware runs it natively (CUDA with
/// bf16 support, CPUs with AMX or AVX-512 BF16); stitches always keep fp32 master weights.
/// </summary>
public static class Precision
{
    public static ScalarType Resolve(string setting, Device device) => setting.ToLowerInvariant() switch
    {
        "fp32" or "float32" => ScalarType.Float32,
        "bf16" or "bfloat16" => ScalarType.BFloat16,
        "auto" => HasFastBFloat16(device) ? ScalarType.BFloat16 : ScalarType.Float32,
        _ => throw new ArgumentException($"Unknown precision '{setting}'. Use auto, fp32 or bf16."),
    };

    public static bool HasFastBFloat16(Device device)
    {
        return device.type == TorchSharp.DeviceType.CUDA || Hardware.CpuFeatures.Current.NativeBf16;
    }

    public static string Name(ScalarType t) => t == ScalarType.BFloat16 ? "bf16" : "fp32";
}
