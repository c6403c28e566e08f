using static TorchSharp.torch;

namespace Stitching.Engine.Hardware;

/// <summary>
/// The one place a device is chosen, for the CLI's commands and the queue worker alike: <c>cpu</c>, <c>cuda</c> (refused
/// with <see cref="DeviceUnavailableException"/> where CUDA is not available, never quietly the CPU), or <c>auto</c>
/// (null or empty too): CUDA when present, the CPU otherwise.
/// </summary>
public static class DeviceChoice
{
    public static readonly string[] Names = ["auto", "cpu", "cuda"];

    public static Device Pick(string? name) => name switch
    {
        "cpu" => CPU,
        "cuda" => cuda.is_available() ? CUDA : throw new DeviceUnavailableException(
            "--device cuda: CUDA is not available on this machine (no NVIDIA GPU or driver visible, or a CPU build of libtorch; " +
            "the GPU image is built with -p:TorchBackend=cuda). Use --device cpu or auto to run on the CPU."),
        null or "" or "auto" => cuda.is_available() ? CUDA : CPU,
        _ => throw new ArgumentException(Problem(name)),
    };

    /// <summary>Why <paramref name="name"/> is not a device name, for the commands' option validation; null when it is one.</summary>
    public static string? Problem(string? name) =>
        name is null || Names.Contains(name) ? null : $"--device must be auto, cpu or cuda, got '{name}'.";
}

/// <summary>The device asked for is not on this machine.</summary>
public sealed class DeviceUnavailableException(string message) : ArgumentException(message);
