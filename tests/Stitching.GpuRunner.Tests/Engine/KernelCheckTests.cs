using Stitching.Engine.Hardware;
using Stitching.Engine.Kernels;
using Stitching.Engine.Models;
using Stitching.Engine.Native;
using Stitching.Engine.Training;
using Stitching.GpuRunner.Tests.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

/// <summary>
/// The kernel self-check (issue 21). A broken kernel cannot be ordered on the CPU at hand, so the check is also run
/// against a deliberately broken candidate (<c>STITCHING_KERNEL_CHECK_PERTURB</c>: one tensor scaled by 1.5, where a
/// given configuration applies) in child processes of the real CLI, since the guard's choices (a forced layout,
/// oneDNN off, an ISA cap) hold for a whole process. Each child gets its own verdict cache.
/// </summary>
[Trait("Category", "Numerics")]
public sealed class KernelCheckTests
{
    public KernelCheckTests() => TorchRuntime.EnsureLoadable();

    [Fact]
    public void The_check_compares_every_kernel_of_a_network_with_float64_and_names_a_wrong_tensor()
    {
        var plan = KernelCheckPlan.For([new KernelNetwork("resnet(1,1,1,1)", 4, 1, 10)], [], [MemoryLayout.Nchw], [ScalarType.Float32]);
        var broken = Stitching.Engine.Kernels.KernelCheck.Run(plan, perturb: "layer2.0.conv1.weight");
        var failure = Assert.Single(broken.Failures, f => f.Case.Contains("training", StringComparison.Ordinal));
        Assert.Contains("layer2.0.conv1.weight gradient: relative error 0.5", failure.Detail, StringComparison.Ordinal);
        Assert.Equal(MemoryLayout.Nchw, failure.Layout);
        Assert.Contains(broken.Cases, c => c.Contains("fp32 frozen", StringComparison.Ordinal));
    }

    [Fact]
    public async Task On_this_cpu_the_guard_finds_kernels_that_match_float64()
    {
        using var cache = new TempFolder();
        var (exit, output) = await CheckInChild(cache, null, ["--guard"]);
        Assert.True(exit == 0, output);
        Assert.Contains("passed on", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Auto_precision_takes_bf16_only_where_its_kernels_pass_and_it_measures_faster()
    {
        var child = CpuFeatures.Read(isaCap: ""); // the child runs without this process's cap (test.sh's repeats set one)
        using var cache = new TempFolder();
        var (exit, output) = await CheckInChild(cache, "bf16 frozen: output of layer 2.0", ["--guard"]);
        Assert.True(exit == 0, output);
        Assert.Contains(child.NativeBf16
            ? "bf16 for frozen networks (--precision auto): no: bf16 kernels failed the self-check"
            : "bf16 for frozen networks (--precision auto): no: no bf16 instructions", output, StringComparison.Ordinal);

        using var clean = new TempFolder();
        (exit, output) = await CheckInChild(clean, null, ["--guard"]);
        Assert.True(exit == 0, output);
        if (child.NativeBf16) Assert.Matches(@"\(--precision auto\): (yes|no): bf16 measured [0-9.]+x as fast as fp32 \([0-9]+ images/s fp32, [0-9]+ bf16\)", output);
    }

    [Fact]
    public async Task A_kernel_wrong_in_one_layout_makes_every_network_use_the_other()
    {
        using var cache = new TempFolder();
        var (exit, output) = await CheckInChild(cache, "nhwc fp32 training: layer1.0.conv1.weight", ["--guard"]);
        Assert.True(exit == 0, output);
        Assert.Contains("layer1.0.conv1.weight gradient", output, StringComparison.Ordinal); // the warning names the kernel
        Assert.Contains("layout nchw forced", output, StringComparison.Ordinal);              // and the provenance the choice
    }

    [Fact]
    public async Task A_kernel_wrong_with_onednn_in_both_layouts_switches_onednn_off()
    {
        using var cache = new TempFolder();
        var (exit, output) = await CheckInChild(cache, "fp32 training: layer3.0.conv2.weight@onednn", ["--guard"]);
        Assert.True(exit == 0, output);
        Assert.Contains("oneDNN off", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_kernel_wrong_in_every_configuration_refuses_the_run_naming_it()
    {
        using var cache = new TempFolder();
        var (exit, output) = await CheckInChild(cache, "fp32 training: layer4.0.conv1.weight", ["--guard"]);
        Assert.Equal(3, exit); // KernelCheckCommand.FailedExitCode
        Assert.Contains("kernel self-check failed", output, StringComparison.Ordinal);
        Assert.Contains("layer4.0.conv1.weight gradient", output, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Training_on_a_cpu_whose_own_isa_fails_runs_on_a_lower_onednn_isa_and_says_so_in_the_models_provenance()
    {
        Skip.If(KernelIsa.LowerCaps(CpuFeatures.Current).Count == 0, "this CPU has no ISA below its own for oneDNN to fall back to");
        using var cache = new TempFolder();
        using var data = new TempFolder();
        using var models = new TempFolder();
        SyntheticIdx.WriteDataset(data.Path, train: 100, test: 50);
        var start = GpuRunnerDll.Start("train", "--arch", "resnet(1,1,1,1)", "--width", "4", "--data-dir", data.Path, "--model-epochs", "1",
            "--threads", "1", "--models-dir", models.Path);
        Environment(start, cache, "layer1.0.conv1.weight@native");
        var (exit, output) = await GpuRunnerDll.RunAsync(start, TimeSpan.FromMinutes(5));
        Assert.True(exit == 0, output);
        Assert.Contains($"{OneDnn.IsaVariable}={KernelIsa.LowerCaps(CpuFeatures.Current)[0]}", output, StringComparison.Ordinal);
        var metadata = File.ReadAllText(Directory.GetFiles(models.Path, "*.json").Single());
        Assert.Contains($"kernels: {OneDnn.IsaVariable}=", metadata, StringComparison.Ordinal);
        // Cached: a second run checks nothing and chooses the same cap.
        var again = GpuRunnerDll.Start("train", "--arch", "resnet(1,1,1,1)", "--width", "4", "--data-dir", data.Path, "--model-epochs", "1",
            "--threads", "1", "--models-dir", models.Path);
        Environment(again, cache, "layer1.0.conv1.weight@native");
        var second = await GpuRunnerDll.RunAsync(again, TimeSpan.FromMinutes(5));
        Assert.True(second.ExitCode == 0, second.Output);
        Assert.DoesNotContain("Kernel self-check on", second.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_check_process_that_crashes_is_a_failure_of_its_configuration_not_of_the_run()
    {
        using var cache = new TempFolder();
        // Every check child dies, as on a heap-corrupting kernel.
        var (exit, output) = await CheckInChild(cache, null, ["--guard"], crash: true);
        Assert.Equal(3, exit); // refused with an error, not killed
        Assert.Contains("kernel self-check failed", output, StringComparison.Ordinal);
        Assert.Contains("the check process ended with exit", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_nan_loss_ends_training_with_an_error_naming_what_and_when()
    {
        using var layer = nn.Linear(2, 1);
        var settings = new LoopSettings(Epochs: 3, BatchSize: 4, LearningRate: 0.1, WarmupSteps: 0) { Subject = "base model test (seed 7)" };
        var error = Assert.Throws<NonFiniteTrainingException>(() => TrainingLoop.Run([layer], _ => optim.SGD(layer.parameters(), 0.1), 8, CPU, settings, 0,
            (idx, _, _) =>
            {
                var loss = layer.call(ones(idx.shape[0], 2)).sum() * float.NaN;
                loss.backward();
                return loss;
            }));
        Assert.Contains("base model test (seed 7): train loss NaN in epoch 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_known_fault_runs_in_its_own_child_and_a_crashing_one_does_not_end_the_others()
    {
        // Under the AVX2 cap the NHWC 1x1 stride-2 weight gradient corrupted the heap on every CPU tried (an AMD EPYC without
        // AVX-512, an AVX-512 Xeon, this project's Zen 4); whatever a CPU does with it, each fault gets its own line.
        var start = GpuRunnerDll.Start("kernel-check", "--known");
        start.Environment["COLUMNS"] = "400";
        if (CpuFeatures.Current.Flags.Contains("avx2")) start.Environment[OneDnn.IsaVariable] = "AVX2";
        var (exit, output) = await GpuRunnerDll.RunAsync(start, TimeSpan.FromMinutes(5));

        Assert.True(exit is 0 or Stitching.Engine.Kernels.KernelCheck.FailedExitCode, output);
        foreach (var fault in KnownKernelFaults.All)
            Assert.Matches($@"(?m)^{System.Text.RegularExpressions.Regex.Escape(fault.Name)}: .*(: ok|: WRONG|CRASHED \(exit)", output);
        Assert.Contains($"of {KnownKernelFaults.All.Count} known faults absent here.", output, StringComparison.Ordinal);
    }

    private static async Task<(int? ExitCode, string Output)> CheckInChild(TempFolder cache, string? perturb, string[] args, bool crash = false)
    {
        var start = GpuRunnerDll.Start(["kernel-check", "--arch", "resnet(1,1,1,1)", "--width", "4", "--bf16", "false", "--threads", "1", .. args]);
        Environment(start, cache, perturb);
        if (crash) start.Environment["STITCHING_KERNEL_CHECK_CRASH"] = "1";
        var (exit, output) = await GpuRunnerDll.RunAsync(start, TimeSpan.FromMinutes(5));
        // The log lines are wrapped at the console's width: the assertions read the words, not the lines.
        return (exit, System.Text.RegularExpressions.Regex.Replace(output, @"\s+", " "));
    }

    private static void Environment(System.Diagnostics.ProcessStartInfo start, TempFolder cache, string? perturb)
    {
        start.Environment["STITCHING_KERNEL_CHECKS"] = cache.Path;
        start.Environment["COLUMNS"] = "400"; // one line per message: the assertions look for whole phrases
        start.Environment.Remove(OneDnn.IsaVariable); // the startup choice is the CLI's own (a cap from test.sh's repeats would preempt it)
        if (perturb is null) start.Environment.Remove("STITCHING_KERNEL_CHECK_PERTURB");
        else start.Environment["STITCHING_KERNEL_CHECK_PERTURB"] = perturb;
    }
}
