using System.Diagnostics;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Benchmarks;

/// <summary>
/// Measures this machine's matrix-multiply throughput (GFLOP/s) in a dtype: the peak the benchmark compares against.
/// The best of several sizes, since the fastest size differs between CPUs (cache sizes, AMX tiles) and GPUs.
/// </summary>
public static class MatmulPeak
{
    public static IReadOnlyList<int> Sizes { get; } = [1024, 2048, 4096];

    public static double Measure(ScalarType dtype, Device device, double secondsPerSize = 1.5) =>
        Sizes.Max(size => Measure(dtype, device, size, secondsPerSize));

    public static double Measure(ScalarType dtype, Device device, int size, double seconds)
    {
        using var a = randn(size, size, device: device).to(dtype);
        using var b = randn(size, size, device: device).to(dtype);
        using (var warm = a.matmul(b)) { }
        var clock = Stopwatch.StartNew();
        long iterations = 0;
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            using var c = a.matmul(b);
            if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize();
            iterations++;
        }
        return 2.0 * size * size * (double)size * iterations / clock.Elapsed.TotalSeconds / 1e9;
    }
}
