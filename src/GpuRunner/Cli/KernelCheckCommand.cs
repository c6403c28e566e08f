using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Spectre.Console.Cli;
using Stitching.Domain.Architectures;
using Stitching.Engine.Hardware;
using Stitching.Engine.Kernels;
using Stitching.Engine.Models;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// <c>kernel-check</c>: runs the kernel self-check in this process's configuration (oneDNN cap from the environment, no
/// fallback; plain lines, never wrapped, for logs and the tests that read them) and exits 0 when every case matches its float64 reference, 3 when one does not. The startup ISA choice
/// (<see cref="KernelIsa"/>) runs it as a child process, once per candidate cap.
/// </summary>
public sealed class KernelCheckCommand : Command<KernelCheckCommand.Settings>
{
    public const int FailedExitCode = KernelCheck.FailedExitCode;

    public sealed class Settings : CommandSettings
    {
        [CommandOption("--arch <ARCH>"), Description("Check this architecture (with --width) instead of the generic set (resnet(1,1,1,1) at widths 4-24 and every stitch kind).")]
        public string? Arch { get; init; }

        [CommandOption("--width <W>"), Description("Width of --arch (default 16).")]
        public int Width { get; init; } = 16;

        [CommandOption("--bf16 <BOOL>"), Description("Also check frozen use in bf16 (default: where the CPU has bf16 instructions).")]
        public bool? Bf16 { get; init; }

        [CommandOption("--threads <N>"), Description("CPU threads for torch (default: all cores).")]
        public int? Threads { get; init; }

        [CommandOption("--guard"), Description("Check as a run does: on a failure move to a configuration that passes (the other layout, oneDNN off) and print it; exit 3 only if none passes.")]
        public bool Guard { get; init; }

        [CommandOption("--json <FILE>"), Description("Also write the result (cases, failures, seconds) as JSON.")]
        public string? Json { get; init; }

        [CommandOption("--plan <FILE>"), Description("Check the plan in this JSON file (what the engine's guard sends a child process).")]
        public string? Plan { get; init; }

        [CommandOption("--known"), Description("Run the minimal programs of every kernel fault met so far (KnownKernelFaults), each in a child process, and print each one's error against float64; exit 3 if one is wrong or crashes.")]
        public bool Known { get; init; }

        [CommandOption("--fault <NAME>"), Description("Run one known fault's program in this process (what --known runs in each child).")]
        public string? Fault { get; init; }

        [CommandOption("--onednn <ON>"), Description("on (default) or off: check with oneDNN switched off, as the guard's fallback runs.")]
        public string OneDnnState { get; init; } = "on";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Threads is { } threads) set_num_threads(threads);
        var cpu = CpuFeatures.Current;
        var bf16 = settings.Bf16 ?? cpu.NativeBf16;
        // Test hook: a check process that dies as a heap-corrupting kernel makes it die (the guard must read it as a failure).
        if (settings.Plan is not null && Environment.GetEnvironmentVariable("STITCHING_KERNEL_CHECK_CRASH") == "1")
            Environment.FailFast("simulated kernel crash (STITCHING_KERNEL_CHECK_CRASH=1)");
        if (settings.OneDnnState == "off") OneDnn.SetEnabled(false);
        if (settings.Fault is { } name) return RunFault(KnownKernelFaults.Find(name));
        if (settings.Known) return RunKnownFaults(settings);
        var plan = settings.Plan is { } planFile ? JsonSerializer.Deserialize<KernelCheckPlan>(File.ReadAllText(planFile)) ?? throw new InvalidDataException($"{planFile}: no plan.")
            : settings.Arch is null ? KernelCheckPlan.Generic(bf16)
            : KernelCheckPlan.For([new KernelNetwork(ResNetSpec.Parse(settings.Arch).Name, settings.Width, 1, 10)], [], [MemoryLayout.Nchw, MemoryLayout.Nhwc],
                bf16 ? [ScalarType.Float32, ScalarType.BFloat16] : [ScalarType.Float32]);
        if (settings.Guard)
        {
            using var loggers = CliConsoleLoggerProvider.CreateFactory(clock: false);
            try
            {
                KernelGuard.Ensure(plan, CPU, loggers.CreateLogger<KernelCheckCommand>());
            }
            catch (KernelCheckException e)
            {
                Console.WriteLine($"error: {e.Message}");
                return FailedExitCode;
            }
            Console.WriteLine($"passed on {HardwareDescription.Of(CPU)}");
            var bf16Choice = Bf16Choice.Current;
            Console.WriteLine($"bf16 for frozen networks (--precision auto): {(bf16Choice.UseBf16 ? "yes" : "no")}: {bf16Choice.Reason}" +
                (bf16Choice.Fp32ImagesPerSecond > 0 ? $" ({bf16Choice.Fp32ImagesPerSecond:F0} images/s fp32, {bf16Choice.Bf16ImagesPerSecond:F0} bf16)" : ""));
            return 0;
        }
        var result = KernelCheck.Run(plan, KernelGuard.Perturb);
        Console.WriteLine($"Kernel self-check on {cpu.Description} ({KernelGuard.Configuration}): {result.Cases.Count} cases in {result.Seconds:F1} s");
        foreach (var failure in result.Failures) Console.WriteLine($"FAILED {failure}");
        Console.WriteLine(result.Passed ? "passed" : $"{result.Failures.Count} failure(s)");
        if (settings.Json is { } json) File.WriteAllText(json, JsonSerializer.Serialize(result));
        return result.Passed ? 0 : FailedExitCode;
    }

    private static int RunFault(KnownKernelFaults.Fault fault)
    {
        var e = KnownKernelFaults.Run(fault);
        var passed = e.Passed(fault.Dtype);
        Console.WriteLine(FormattableString.Invariant(
            $"{fault.Name}: output {e.Output:G3}, input gradient {e.InputGradient:G3}, weight gradient {e.WeightGradient:G3} (tolerance {KernelCheck.Tolerance(fault.Dtype):G2}): {(passed ? "ok" : "WRONG")}"));
        return passed ? 0 : FailedExitCode;
    }

    /// <summary>Each fault in its own child: the heap-corrupting ones kill their process, which is a result here, not the end of the run.</summary>
    private static readonly TimeSpan FaultTimeout = TimeSpan.FromMinutes(1);

    private static int RunKnownFaults(Settings settings)
    {
        Console.WriteLine($"{HardwareDescription.Of(CPU)}; ONEDNN_MAX_CPU_ISA={Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA") ?? "(native)"}; oneDNN {settings.OneDnnState}");
        var failed = 0;
        foreach (var fault in KnownKernelFaults.All)
        {
            var start = GpuRunnerSelf.Start(["kernel-check", "--fault", fault.Name, "--threads", (settings.Threads ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture), "--onednn", settings.OneDnnState]);
            // The guard's child runner with this process's cap. One convolution takes seconds; the AVX2 NHWC fault corrupts the
            // heap and then either crashes or deadlocks (seen in CI), so a child still running after a minute is killed: a
            // hung kernel is a result too, and the whole run stays within minutes.
            var (exit, line) = KernelIsa.RunProbe(start, OneDnn.IsaCap, FaultTimeout);
            if (exit != 0) failed++;
            Console.WriteLine(exit is 0 or FailedExitCode && line.StartsWith(fault.Name, StringComparison.Ordinal)
                ? $"{line} [seen on {fault.SeenOn}]"
                : $"{fault.Name}: CRASHED (exit {(exit is { } code ? code.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"none: hung, killed after {FaultTimeout.TotalSeconds:F0} s")}: {line}) [seen on {fault.SeenOn}]");
        }
        Console.WriteLine($"{KnownKernelFaults.All.Count - failed} of {KnownKernelFaults.All.Count} known faults absent here.");
        return failed == 0 ? 0 : FailedExitCode;
    }
}
