using Stitching.Engine.Hardware;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Models;

/// <summary>How conv weights and activations are strided: NCHW (PyTorch's default) or NHWC ("channels-last").</summary>
public enum MemoryLayout { Nchw, Nhwc }

/// <summary>
/// Chooses a network's memory layout once, from its conv shapes and the device. NHWC is faster where it is safe
/// (oneDNN skips its reorders: 1.35-1.45x in training, see docs/performance.md), but on CPUs it is
/// not safe at every width.
/// <para>
/// Why: on an AVX2-only CPU (AMD EPYC without AVX-512; reproduced on an AVX-512 Xeon with
/// <c>ONEDNN_MAX_CPU_ISA=AVX2</c>), libtorch 2.10's oneDNN corrupts the heap ("free(): invalid next size",
/// "double free or corruption", SIGSEGV) in the <b>weight gradient of a 1x1, stride-2 convolution on NHWC input
/// whose input channels are not a multiple of 8</b>: a ResNet's projection shortcut at widths 1-7. Minimal
/// program: <c>Conv2d(4, 8, 1, stride: 2)</c>, NHWC weight and input (64, 4, 32, 32), <c>y.sum().backward()</c>,
/// a few iterations, one thread. In-channels 2-7 crash at any out-channels; 1, 8, 12, 16 do not; stride 1,
/// 3x3 kernels, 2x2 and 4x4 stride-k kernels (the stitches), input gradients only (frozen receivers) and NCHW
/// do not. With AVX-512 the same shapes run cleanly. The bug is libtorch's, so the rule here avoids the
/// whole class of shapes rather than the one kernel: on a CPU a network runs NHWC only when every conv's
/// channel counts are multiples of oneDNN's channel block for this CPU (<see cref="CpuFeatures.VectorBlock"/>:
/// 8 on AVX2, 16 on AVX-512), its stem's image channels excepted (a 3x3, stride-1 conv, safe at 1 and 3).
/// CUDA always runs NHWC.
/// </para>
/// </summary>
public static class LayoutPolicy
{
    /// <summary>Forces a layout for every network of this process (<c>--layout</c>); null = choose.</summary>
    public static MemoryLayout? Override { get; set; }

    public static MemoryLayout Choose(ResNet model, Device device) =>
        Override ?? (device.type == DeviceType.CPU ? Kernels.KernelGuard.ForcedLayout : null) ?? (device.type == DeviceType.CUDA || IsSafeOnCpu(model, CpuFeatures.Current) ? MemoryLayout.Nhwc : MemoryLayout.Nchw);

    /// <summary>Whether every conv's channel counts are multiples of <paramref name="cpu"/>'s channel block.</summary>
    public static bool IsSafeOnCpu(ResNet model, CpuFeatures cpu) => FirstUnsafeConv(model, cpu) is null;

    /// <summary>The first conv whose channel counts rule NHWC out on <paramref name="cpu"/>, for logs; null when none does.</summary>
    public static string? FirstUnsafeConv(ResNet model, CpuFeatures cpu)
    {
        foreach (var (name, inChannels, outChannels) in model.Convolutions())
        {
            var inChecked = !ResNet.IsStem(name); // the stem's input is the image: 1 or 3 channels, a safe kernel
            if ((inChecked && inChannels % cpu.VectorBlock != 0) || outChannels % cpu.VectorBlock != 0)
                return $"{name} ({inChannels}->{outChannels} channels, block {cpu.VectorBlock})";
        }
        return null;
    }

    public static string Name(MemoryLayout layout) => layout == MemoryLayout.Nhwc ? "nhwc" : "nchw";

    public static MemoryLayout? Parse(string value) => value.ToLowerInvariant() switch
    {
        "auto" => null,
        "nchw" => MemoryLayout.Nchw,
        "nhwc" or "channels-last" => MemoryLayout.Nhwc,
        _ => throw new ArgumentException($"Unknown layout '{value}'. Use auto, nchw or nhwc."),
    };
}
