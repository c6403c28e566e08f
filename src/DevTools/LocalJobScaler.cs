using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Stitching.Domain.Jobs;
using Stitching.Platform.Processing;
using Stitching.Platform.Queues;

namespace Stitching.DevTools;

/// <summary>
/// The offline stand-in for KEDA and Container Apps jobs: while messages wait on the queue it starts one
/// <see cref="RunnerJob"/> process per waiting message, at most <see cref="MaxExecutions"/> at a time, each with a new
/// empty checkpoint folder and data folder (a fresh container) that is deleted when it exits, and stopped at the
/// <see cref="ReplicaTimeout"/>. Nothing runs while the queue is empty. A process that dies (native crash, OOM kill) is a failed execution, as in Azure: its message comes
/// back when its lock runs out and a new process takes it.
/// </summary>
public sealed class LocalJobScaler(IJobQueue queue, Func<IReadOnlyList<string>, IReadOnlyDictionary<string, string>, ProcessStartInfo> startInfo,
    ILogger<LocalJobScaler> logger)
{
    private readonly List<Execution> _running = [];
    private int _started;

    public int MaxExecutions { get; init; } = 2;
    public string Device { get; init; } = "cpu";
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A just-started runner has not received its message yet, so the message still shows as waiting; for this long
    /// after its start, each execution is assumed to be about to take one (KEDA's polling has the same lag).
    /// </summary>
    public TimeSpan StartupGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages each execution takes at most (<c>--max-jobs</c>), as the Bicep job's <c>runnerMaxJobs</c>.</summary>
    public int MaxJobs { get; init; } = RunnerJob.DefaultMaxJobs;

    /// <summary>
    /// The job's replica timeout: an execution still running after it gets SIGTERM, and is killed
    /// <see cref="TerminationGrace"/> later if it has not exited, as Container Apps stops it. Null: no limit.
    /// </summary>
    public TimeSpan? ReplicaTimeout { get; init; }

    /// <summary>Between SIGTERM and the kill (Container Apps' default termination grace period).</summary>
    public TimeSpan TerminationGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Extra runner arguments (e.g. <c>--threads 1</c>), after <see cref="RunnerJob.Arguments"/>.</summary>
    public IReadOnlyList<string> ExtraArguments { get; init; } = [];

    private int Running { get { lock (_running) return _running.Count; } }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                StopTimedOut();
                Reap();
                var free = MaxExecutions - Running;
                if (free > 0)
                {
                    int waiting;
                    try
                    {
                        waiting = await queue.CountWaitingAsync(32, cancellationToken);
                    }
                    catch (Azure.RequestFailedException e) when (e.Status == 404)
                    {
                        waiting = 0; // the API creates the queue at its first start
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        logger.LogWarning("Could not read the queue length ({Error}); trying again", e.Message.Split('\n')[0]);
                        waiting = 0;
                    }
                    var starting = StartingCount();
                    for (var i = 0; i < Math.Min(free, waiting - starting); i++) Start();
                }
                await Task.Delay(PollInterval, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            StopAll();
        }
    }

    private int StartingCount()
    {
        lock (_running) return _running.Count(e => e.Clock.Elapsed < StartupGrace);
    }

    private void Start()
    {
        var id = $"job-{Interlocked.Increment(ref _started)}";
        var folder = Directory.CreateTempSubdirectory($"stitching-{id}-").FullName;
        var environment = new Dictionary<string, string>
        {
            ["Stitching__Worker__WorkerId"] = id,
            ["Stitching__Worker__CheckpointDirectory"] = Path.Combine(folder, "checkpoints"),
        };
        var start = startInfo([.. RunnerJob.Arguments(Device, MaxJobs), "--data-dir", Path.Combine(folder, "data"), .. ExtraArguments], environment);
        foreach (var (k, v) in environment) start.Environment[k] = v;
        var group = InOwnProcessGroup(ref start);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        logger.LogInformation("Started execution {Id} (pid {Pid})", id, process.Id);
        lock (_running) _running.Add(new Execution(id, process, folder, Stopwatch.StartNew(), group));
    }

    /// <summary>
    /// On Linux, each execution runs in a session and process group of its own (<c>setsid</c>, which keeps the pid), so
    /// its end takes everything it started with it, as a Container Apps replica's end takes its container: a runner
    /// stopped at the replica timeout while its kernel self-check child ran left that child training on, orphaned
    /// (seen here: 12 of them, each at full CPU).
    /// </summary>
    private static bool InOwnProcessGroup(ref ProcessStartInfo start)
    {
        const string setsid = "/usr/bin/setsid";
        if (!OperatingSystem.IsLinux() || !File.Exists(setsid)) return false;
        var wrapped = new ProcessStartInfo(setsid)
        {
            UseShellExecute = false, RedirectStandardOutput = start.RedirectStandardOutput, RedirectStandardError = start.RedirectStandardError,
            WorkingDirectory = start.WorkingDirectory,
        };
        wrapped.ArgumentList.Add(start.FileName);
        foreach (var a in start.ArgumentList) wrapped.ArgumentList.Add(a);
        foreach (var (k, v) in start.Environment) wrapped.Environment[k] = v;
        start = wrapped;
        return true;
    }

    /// <summary>Executions past <see cref="ReplicaTimeout"/>: SIGTERM once (the runner hands its message back), then a kill after the grace period.</summary>
    private void StopTimedOut()
    {
        if (ReplicaTimeout is not { } timeout) return;
        List<Execution> late;
        lock (_running) late = _running.Where(e => !e.Process.HasExited && e.Clock.Elapsed > timeout).ToList();
        foreach (var e in late)
        {
            if (e.Clock.Elapsed > timeout + TerminationGrace)
            {
                logger.LogWarning("Execution {Id} outlived its replica timeout ({Timeout}) and the grace period; killed", e.Id, timeout);
                Signal(e, "KILL");
            }
            else if (Interlocked.Exchange(ref e.Signalled, 1) == 0)
            {
                logger.LogWarning("Execution {Id} reached its replica timeout ({Timeout}); SIGTERM", e.Id, timeout);
                Signal(e, "TERM");
            }
        }
    }

    private void Reap()
    {
        List<Execution> done;
        lock (_running)
        {
            done = _running.Where(e => e.Process.HasExited).ToList();
            _running.RemoveAll(done.Contains);
        }
        foreach (var e in done)
        {
            var code = e.Process.ExitCode;
            var what = code switch
            {
                0 => "done",
                1 => "its job failed (the message is retried or dead-lettered by the queue)",
                143 => "stopped; its message was handed back",
                _ => $"died (exit {code}): a failed execution; its message returns when its lock runs out",
            };
            if (code is 0 or 143) logger.LogInformation("Execution {Id} ended after {Seconds:F0} s: {What}", e.Id, e.Clock.Elapsed.TotalSeconds, what);
            else logger.LogWarning("Execution {Id} ended after {Seconds:F0} s: {What}", e.Id, e.Clock.Elapsed.TotalSeconds, what);
            Signal(e, "KILL"); // whatever the runner started and left (its container is gone)
            e.Process.Dispose();
            TryDelete(e.Folder);
        }
    }

    private void StopAll()
    {
        List<Execution> all;
        lock (_running) { all = [.. _running]; _running.Clear(); }
        // SIGTERM first, as Container Apps does: a runner hands its message back and exits (143).
        foreach (var e in all.Where(e => !e.Process.HasExited)) Signal(e, "TERM");
        foreach (var e in all)
        {
            try
            {
                if (!e.Process.WaitForExit(15_000)) e.Process.Kill(entireProcessTree: true);
                e.Process.WaitForExit(10_000);
            }
            catch (InvalidOperationException)
            {
            }
            Signal(e, "KILL");
            e.Process.Dispose();
            TryDelete(e.Folder);
        }
    }

    /// <summary>Signals the execution's process group (its whole "container") where it has one, else its process.</summary>
    private static void Signal(Execution e, string signal)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        if (!e.Group && e.Process.HasExited) return;
        try
        {
            using var kill = Process.Start(new ProcessStartInfo("kill", e.Group ? $"-{signal} -- -{e.Process.Id}" : $"-{signal} {e.Process.Id}")
            {
                UseShellExecute = false, RedirectStandardError = true, // "no such process" once the group is empty
            });
            kill?.WaitForExit(5_000);
        }
        catch (System.ComponentModel.Win32Exception)
        {
        }
    }

    private static void TryDelete(string folder)
    {
        try { Directory.Delete(folder, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private sealed record Execution(string Id, Process Process, string Folder, Stopwatch Clock, bool Group)
    {
        public int Signalled;
    }
}
