using System.Diagnostics;
using System.Text;

namespace Stitching.Platform.Tests;

/// <summary>The built <c>Stitching.GpuRunner</c> run as a child process against a <see cref="TestPlatform"/>, configured by environment only.</summary>
public static class GpuRunnerProcess
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public static string Dll
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Stitching.sln"))) dir = dir.Parent;
            var dll = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Stitching.sln not found above the test folder."),
                "src", "GpuRunner", "bin", Configuration, "net10.0", "Stitching.GpuRunner.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build src/GpuRunner first (the test project builds it).", dll);
        }
    }

    /// <summary>Runs <c>worker</c> with <paramref name="args"/> until it exits; returns exit code and combined output.</summary>
    public static Task<(int ExitCode, string Output)> RunWorkerAsync(TestPlatform env, string workerId, TimeSpan timeout, params string[] args) =>
        RunAsync(env, timeout, ["worker", "--device", "cpu", "--threads", "1", .. args], new()
        {
            ["Stitching__Worker__WorkerId"] = workerId,
            ["Stitching__Worker__CheckpointDirectory"] = Path.Combine(env.CheckpointRoot, workerId),
        });

    /// <summary>
    /// Runs any command (<c>datasets upload ...</c>) against <paramref name="env"/>'s storage and queue, configured by
    /// environment only, until it exits; returns exit code and combined output.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(TestPlatform env, TimeSpan timeout, string[] args, Dictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Dll }.Concat(args)) start.ArgumentList.Add(a);
        start.Environment["Stitching__Storage__ConnectionString"] = TestPlatform.ConnectionString;
        start.Environment["Stitching__Storage__NamePrefix"] = env.NamePrefix;
        start.Environment["Stitching__Queue__Backend"] = "storage";
        start.Environment["Stitching__Queue__LockDuration"] = env.Platform.Processor.LockDuration.ToString();
        start.Environment["Stitching__Queue__RetryDelay"] = env.Platform.Processor.RetryDelay.ToString();
        if (environment is not null)
            foreach (var (key, value) in environment) start.Environment[key] = value;

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{args[0]} did not exit within {timeout}:\n{output}");
        }
        process.WaitForExit(); // flushes the redirected output
        lock (output) return (process.ExitCode, output.ToString());
    }
}
