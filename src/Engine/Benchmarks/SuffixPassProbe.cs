using System.Diagnostics;
using Stitching.Domain.Architectures;
using Stitching.Engine.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Benchmarks;

/// <summary>
/// Images/s of one stitch-training step through a frozen receiver suffix (forward plus input-gradient backward)
/// at several rows per pass, dtypes and memory layouts: the measurement behind the engine's rows-per-pass,
/// precision and channels-last defaults.
/// </summary>
public static class SuffixPassProbe
{
    public sealed record Point(string Precision, string Layout, int Rows, double ImagesPerSecond);

    /// <param name="dtypes">The precisions to measure: those this device runs natively (an emulated one takes minutes a pass).</param>
    /// <remarks>NHWC is measured only where <see cref="LayoutPolicy"/> would choose it for this network and device.</remarks>
    public static IReadOnlyList<Point> Measure(ResNetSpec receiver, int width, int inChannels, int classes, Device device, IReadOnlyList<int> rows,
        IReadOnlyList<ScalarType> dtypes, double secondsPerPoint = 3)
    {
        var points = new List<Point>();
        bool nhwcAllowed;
        using (var probe = ResNet.Create(receiver, width, inChannels, classes, seed: 0)) nhwcAllowed = LayoutPolicy.Choose(probe, device) == MemoryLayout.Nhwc;
        foreach (var dtype in dtypes)
        foreach (var channelsLast in nhwcAllowed ? new[] { false, true } : [false])
        {
            using var model = ResNet.Create(receiver, width, inChannels, classes, seed: 0);
            model.to(device).to(dtype);
            model.UseChannelsLast(channelsLast);
            model.eval();
            foreach (var p in model.parameters()) p.requires_grad = false;
            foreach (var r in rows)
            {
                using var h0 = randn(r, width, 32, 32, device: device);
                Step(model, h0, dtype); // warm-up
                var clock = Stopwatch.StartNew();
                long images = 0;
                while (clock.Elapsed.TotalSeconds < secondsPerPoint)
                {
                    Step(model, h0, dtype);
                    images += r;
                }
                points.Add(new Point(Training.Precision.Name(dtype), channelsLast ? "nhwc" : "nchw", r, images / clock.Elapsed.TotalSeconds));
            }
        }
        return points;
    }

    private static void Step(ResNet model, Tensor h0, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var h = h0.clone().requires_grad_(true);
        var logits = model.ForwardSuffix(h.to(dtype), 0).to(ScalarType.Float32);
        logits.sum().backward();
        if (h0.device.type == DeviceType.CUDA) cuda.synchronize();
    }
}
