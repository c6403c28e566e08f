using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Stitching.Tests.Shared;

/// <summary>
/// A child process whose stdout and stderr are kept, line by line, as they arrive: the one way the test projects start
/// the CLI, the worker, the local host and the fault runner. Killed with its children on dispose, so a failed test
/// leaves no process behind.
/// </summary>
public sealed class CapturedProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _all = new();
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private CapturedProcess(Process process) => _process = process;

    /// <summary>Starts <paramref name="start"/> with both streams redirected and read from the first line on.</summary>
    public static CapturedProcess Start(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var captured = new CapturedProcess(new Process { StartInfo = start });
        captured._process.OutputDataReceived += (_, e) => { if (e.Data is { } line) { captured._stdout.Enqueue(line); captured._all.Enqueue(line); } };
        captured._process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { captured._stderr.Enqueue(line); captured._all.Enqueue(line); } };
        captured._process.Start();
        captured._process.BeginOutputReadLine();
        captured._process.BeginErrorReadLine();
        return captured;
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Standard output's lines so far.</summary>
    public IReadOnlyCollection<string> Lines => _stdout;
    public IReadOnlyCollection<string> ErrorLines => _stderr;

    /// <summary>Both streams, in the order the lines arrived.</summary>
    public string Output => string.Join("\n", _all) + (_all.IsEmpty ? "" : "\n");

    /// <summary>Waits for the exit and the last line; at the deadline kills the tree and answers a null exit code.</summary>
    public async Task<(int? ExitCode, string Output)> WaitAsync(TimeSpan timeout)
    {
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(timer.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            return (null, Output);
        }
        _process.WaitForExit(); // flushes the redirected output
        return (_process.ExitCode, Output);
    }

    /// <summary>The first stdout line that matches, or null when the process exits or the deadline passes first.</summary>
    public async Task<string?> WaitForLineAsync(Func<string, bool> match, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < until)
        {
            if (_stdout.FirstOrDefault(match) is { } line) return line;
            if (_process.HasExited) return _stdout.FirstOrDefault(match);
            await Task.Delay(50);
        }
        return null;
    }

    /// <summary>Live child processes (Linux /proc), e.g. the runners a scaler started.</summary>
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

    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
