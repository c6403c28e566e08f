using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Unit.Tests.Sweeps;

public class SweepLimitOptionsTests
{
    private static SweepEstimate Estimate(SweepSpec spec) => SweepEstimate.Create(SweepPlan.Create(spec), Stitching.Domain.Datasets.DatasetInfo.BuiltIn(spec.Dataset)!);

    [Fact]
    public void The_defaults_pass_a_small_sweep_and_stop_the_papers_full_experiment()
    {
        var limits = new SweepLimitOptions();

        Assert.Null(limits.Problem());
        Assert.Null(limits.Exceeded(Estimate(new SweepSpec())));
        var refusal = limits.Exceeded(Estimate(PlatformBenchmark.PaperExperiment()));
        Assert.NotNull(refusal);
        Assert.Contains("50,176 stitches", refusal);
        Assert.Contains("5,000 stitches and 24.0 GPU hours", refusal);
    }

    [Fact]
    public void The_device_class_counts_only_when_it_names_exactly_one_gpu()
    {
        Assert.Null(new SweepLimitOptions { DeviceClass = "A100" }.Problem());
        Assert.Contains("DeviceClass", new SweepLimitOptions { DeviceClass = "gpu" }.Problem());
        Assert.Contains("DeviceClass", new SweepLimitOptions { DeviceClass = "xeon" }.Problem());
        Assert.Contains("MaxStitches", new SweepLimitOptions { MaxStitches = 0 }.Problem());
        Assert.Contains("MaxGpuHours", new SweepLimitOptions { MaxGpuHours = double.NaN }.Problem());
    }

    [Fact]
    public void Gpu_hours_are_those_of_the_chosen_device_class()
    {
        var estimate = Estimate(new SweepSpec());
        var t4 = new SweepLimitOptions().Target(estimate);
        var a100 = new SweepLimitOptions { DeviceClass = "a100" }.Target(estimate);

        Assert.Contains("T4", t4.Device);
        Assert.Contains("A100", a100.Device);
        Assert.True(t4.Seconds > a100.Seconds);
    }
}
