using System.Diagnostics;

namespace Stitching.Reliability.Tests;

/// <summary>A Stitching.FaultRunner process: its stdout lines are collected; Kill is SIGKILL; Dispose kills it too.</summary>
public sealed class RunnerProcess : IDisposable
{
    private readonly CapturedProcess _process;

    private RunnerProcess(string id, CapturedProcess process)
    {
        Id = id;
        _process = process;
    }

    public string Id { get; }
    public IReadOnlyCollection<string> Lines => _process.Lines;
    public bool HasExited => _process.HasExited;

    public static RunnerProcess Start(string id, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet");
        info.ArgumentList.Add("exec");
        info.ArgumentList.Add(Repo.FaultRunnerDll);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        info.Environment["DOTNET_gcServer"] = "0";
        return new RunnerProcess(id, CapturedProcess.Start(info));
    }

    public Task<string?> WaitForLineAsync(Func<string, bool> match, TimeSpan deadline) => _process.WaitForLineAsync(match, deadline);

    public void Kill() => _process.Kill();

    public string Describe() =>
        $"--- runner {Id} (exited: {_process.HasExited})\nstdout tail:\n{string.Join("\n", _process.Lines.TakeLast(20))}\nstderr tail:\n{string.Join("\n", _process.ErrorLines.TakeLast(40))}";

    public void Dispose() => _process.Dispose();
}
