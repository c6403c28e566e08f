using System.Collections.Concurrent;
using System.Diagnostics;

namespace Stitching.Reliability.Tests;

/// <summary>A Stitching.FaultRunner process: its stdout lines are collected; Kill is SIGKILL; Dispose kills it too.</summary>
public sealed class RunnerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<string> _errors = new();

    private RunnerProcess(string id, Process process)
    {
        Id = id;
        _process = process;
    }

    public string Id { get; }
    public IReadOnlyCollection<string> Lines => _lines;
    public bool HasExited => _process.HasExited;

    public static RunnerProcess Start(string id, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Repo.FaultRunnerDll);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        info.Environment["DOTNET_gcServer"] = "0";
        var process = new Process { StartInfo = info };
        var runner = new RunnerProcess(id, process);
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) runner._lines.Enqueue(line); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { runner._errors.Enqueue(line); while (runner._errors.Count > 200) runner._errors.TryDequeue(out string? _); } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return runner;
    }

    /// <summary>Waits until a stdout line matches; false at the deadline or if the process exits first.</summary>
    public async Task<string?> WaitForLineAsync(Func<string, bool> match, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < until)
        {
            if (_lines.FirstOrDefault(match) is { } line) return line;
            if (_process.HasExited) return null;
            await Task.Delay(50);
        }
        return null;
    }

    /// <summary>SIGKILL: no finally blocks, no lock release, no row update; the message keeps its visibility timeout.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public string Describe() =>
        $"--- runner {Id} (exited: {_process.HasExited})\nstdout tail:\n{string.Join("\n", _lines.TakeLast(20))}\nstderr tail:\n{string.Join("\n", _errors.TakeLast(40))}";

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
