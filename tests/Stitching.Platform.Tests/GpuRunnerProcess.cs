using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Stitching.Platform.Tests;

/// <summary>The built <c>Stitching.GpuRunner</c> run as a child process against a <see cref="TestPlatform"/>, configured by environment only.</summary>
public sealed class GpuRunnerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private string _command = "";

    private GpuRunnerProcess(Process process) => _process = process;

    public static string Dll => GpuRunnerDll.Path;

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>The live processes this one started (Linux: read from /proc).</summary>
    public IReadOnlyList<int> Children() => Directory.GetDirectories("/proc")
        .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : -1).Where(pid => pid > 0)
        .Where(pid =>
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // state, ppid, ...
                return fields[0] != "Z" && fields[1] == _process.Id.ToString(CultureInfo.InvariantCulture);
            }
            catch (IOException) { return false; } // exited meanwhile
        }).ToList();

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

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

        var runner = new GpuRunnerProcess(Process.Start(start)!);
        runner._process.OutputDataReceived += (_, e) => { lock (runner._output) runner._output.AppendLine(e.Data); };
        runner._process.ErrorDataReceived += (_, e) => { lock (runner._output) runner._output.AppendLine(e.Data); };
        runner._process.BeginOutputReadLine();
        runner._process.BeginErrorReadLine();
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
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_command} did not exit within {timeout}:\n{Output}");
        }
        _process.WaitForExit(); // flushes the redirected output
        return (_process.ExitCode, Output);
    }

    /// <summary>SIGKILL: the runner dies mid-step, as on a lost node or an out-of-memory kill, with no chance to hand its message back.</summary>
    public void KillHard()
    {
        if (Kill(_process.Id, 9) != 0) throw new InvalidOperationException($"kill -KILL {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as Container Apps sends on scale-in or at the replica timeout.</summary>
    public void Terminate()
    {
        if (Kill(_process.Id, 15) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
