using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Hardware;

/// <summary>One line naming what computed a number, for results, model metadata and bench files.</summary>
public static class HardwareDescription
{
    // TorchSharp exposes no CUDA device name; the GPU's host CPU still tells two runners apart.
    public static string Of(Device device) => device.type == DeviceType.CUDA
        ? $"cuda ({cuda.device_count()} device(s)); host {CpuFeatures.Current.Description}"
        : CpuFeatures.Current.Description;
}
