using System.Diagnostics;

namespace Stitching.Tests.Shared;

/// <summary>The built runner (src/GpuRunner's output), started as a child process by tests.</summary>
public static class GpuRunnerDll
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public static string Path
    {
        get
        {
            var dll = System.IO.Path.Combine(RepositoryRoot, "src", "GpuRunner", "bin", Configuration, "net10.0", "Stitching.GpuRunner.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build src/GpuRunner first (the test project builds it).", dll);
        }
    }

    /// <summary>The checkout the tests were built from: the folder above the test binaries that holds Stitching.sln.</summary>
    public static string RepositoryRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Stitching.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("Stitching.sln not found above the test folder.");
        }
    }

    /// <summary>A start for <c>dotnet Stitching.GpuRunner.dll args...</c> with output redirected; add environment before <see cref="RunAsync"/>.</summary>
    public static ProcessStartInfo Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args.Prepend(Path)) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>Runs until exit; on timeout kills the process tree and returns null as the exit code.</summary>
    public static async Task<(int? ExitCode, string Output)> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = CapturedProcess.Start(start);
        return await process.WaitAsync(timeout);
    }
}
