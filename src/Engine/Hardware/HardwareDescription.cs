using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Hardware;

/// <summary>
/// One line naming what computed a number, for results, model metadata and bench files: the CPU, and what the kernel
/// self-check changed in this process (oneDNN cap, oneDNN off, a forced layout), so every row says which kernels made it.
/// </summary>
public static class HardwareDescription
{
    // TorchSharp exposes no CUDA device name; the GPU's host CPU still tells two runners apart.
    public static string Of(Device device) => device.type == DeviceType.CUDA
        ? $"cuda ({cuda.device_count()} device(s)); host {CpuFeatures.Current.Description}"
        : Kernels.KernelGuard.Summary is { Length: > 0 } kernels ? $"{CpuFeatures.Current.Description}; kernels: {kernels}" : CpuFeatures.Current.Description;
}
