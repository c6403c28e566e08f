using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Stitching.Platform.Tests;

/// <summary>The built <c>Stitching.GpuRunner</c> run as a child process against a <see cref="TestPlatform"/>, configured by environment only.</summary>
public sealed class GpuRunnerProcess : IDisposable
{
    private readonly CapturedProcess _process;

    private string _command = "";

    private GpuRunnerProcess(CapturedProcess process) => _process = process;

    public static string Dll => GpuRunnerDll.Path;

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The live processes this one started (Linux: read from /proc).</summary>
    public IReadOnlyList<int> Children() => _process.Children();

    public string Output => _process.Output;

    /// <summary>
    /// Starts <c>worker --device {device} --threads 1 {args}</c>; <paramref name="environment"/> adds to or overrides the
    /// platform's settings (e.g. <c>Stitching__Worker__ReceiveWait</c>).
    /// </summary>
    public static GpuRunnerProcess Start(TestPlatform env, string workerId, string device, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Start(env, ["worker", "--device", device, "--threads", "1", .. args], new Dictionary<string, string>
        {
            ["Stitching__Worker__WorkerId"] = workerId,
            ["Stitching__Worker__CheckpointDirectory"] = Path.Combine(env.CheckpointRoot, workerId),
        }.Concat(environment ?? new Dictionary<string, string>()).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value));

    /// <summary>Starts any command (<c>datasets upload ...</c>) against <paramref name="env"/>'s storage and queue, configured by environment only.</summary>
    public static GpuRunnerProcess Start(TestPlatform env, string[] args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = GpuRunnerDll.Start(args);
        start.Environment["Stitching__Storage__ConnectionString"] = Azurite.ConnectionString;
        start.Environment["Stitching__Storage__NamePrefix"] = env.NamePrefix;
        start.Environment["Stitching__Queue__Backend"] = "storage";
        start.Environment["Stitching__Queue__LockDuration"] = env.Platform.Processor.LockDuration.ToString();
        start.Environment["Stitching__Queue__RetryDelay"] = env.Platform.Processor.RetryDelay.ToString();
        start.Environment["Stitching__Queue__MaxDeliveries"] = env.Platform.Processor.MaxDeliveries.ToString(CultureInfo.InvariantCulture);
        foreach (var (k, v) in environment ?? new Dictionary<string, string>()) start.Environment[k] = v;

        var runner = new GpuRunnerProcess(CapturedProcess.Start(start));
        runner._command = args[0];
        return runner;
    }

    /// <summary>Runs any command until it exits; returns exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(TestPlatform env, TimeSpan timeout, string[] args, Dictionary<string, string>? environment = null)
    {
        using var runner = Start(env, args, environment);
        return await runner.WaitForExitAsync(timeout);
    }

    /// <summary>Runs <c>worker --device cpu</c> with <paramref name="args"/> until it exits; returns exit code and combined output.</summary>
    public static async Task<(int ExitCode, string Output)> RunWorkerAsync(TestPlatform env, string workerId, TimeSpan timeout, params string[] args)
    {
        using var runner = Start(env, workerId, "cpu", null, args);
        return await runner.WaitForExitAsync(timeout);
    }

    /// <summary>Waits for the process to exit; kills it and throws at the deadline.</summary>
    public async Task<(int ExitCode, string Output)> WaitForExitAsync(TimeSpan timeout)
    {
        var (exit, output) = await _process.WaitAsync(timeout);
        return exit is { } code ? (code, output) : throw new TimeoutException($"{_command} did not exit within {timeout}:\n{output}");
    }

    /// <summary>SIGKILL: the runner dies mid-step, as on a lost node or an out-of-memory kill, with no chance to hand its message back.</summary>
    public void KillHard()
    {
        if (Kill(_process.Id, 9) != 0) throw new InvalidOperationException($"kill -KILL {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        _process.Kill();
    }

    /// <summary>SIGTERM, as Container Apps sends on scale-in or at the replica timeout.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, 15) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose() => _process.Dispose();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
