using System.Diagnostics;
using static TorchSharp.torch;

namespace Stitching.Engine.Benchmarks;

/// <summary>
/// Measures this machine's matrix-multiply throughput (GFLOP/s) in a dtype: the peak the benchmark compares against.
/// The best of several sizes, since the fastest size differs between CPUs (cache sizes, AMX tiles) and GPUs.
/// </summary>
public static class MatmulPeak
{
    public static IReadOnlyList<int> Sizes { get; } = [1024, 2048, 4096];

    /// <summary>
    /// The best over <see cref="Sizes"/>, smallest first. Each size runs for about <paramref name="secondsPerSize"/>;
    /// a size whose single warm-up product already took that long ends the probe, since the next size would take
    /// eight times longer (an emulated dtype: bf16 without AMX or AVX-512 BF16 ran one 4096 product for minutes).
    /// </summary>
    public static double Measure(ScalarType dtype, Device device, double secondsPerSize = 1.5)
    {
        double best = 0;
        foreach (var size in Sizes)
        {
            var (gflops, warmupSeconds) = Measure(dtype, device, size, secondsPerSize);
            best = Math.Max(best, gflops);
            if (warmupSeconds >= secondsPerSize) break;
        }
        return best;
    }

    public static (double Gflops, double WarmupSeconds) Measure(ScalarType dtype, Device device, int size, double seconds)
    {
        using var a = randn(size, size, device: device).to(dtype);
        using var b = randn(size, size, device: device).to(dtype);
        var warmClock = Stopwatch.StartNew();
        using (var warm = a.matmul(b)) { }
        if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize();
        var warmup = warmClock.Elapsed.TotalSeconds;
        var clock = Stopwatch.StartNew();
        long iterations = 0;
        while (clock.Elapsed.TotalSeconds < seconds && (iterations == 0 || warmup < seconds))
        {
            using var c = a.matmul(b);
            if (device.type == TorchSharp.DeviceType.CUDA) cuda.synchronize();
            iterations++;
        }
        return (2.0 * size * size * (double)size * iterations / clock.Elapsed.TotalSeconds / 1e9, warmup);
    }
}
