using System.Diagnostics;

namespace Stitching.Tests.Shared;

/// <summary>
/// The Python that runs python/stitching_torch: Debian's python3 with python3-torch (1.13) unless <c>STITCHING_PYTHON</c>
/// names another. /usr/bin/python3 first, since a python3 earlier on PATH (pyenv, a venv) usually lacks the system torch.
/// </summary>
public static class PyTorch
{
    public static string Python =>
        Environment.GetEnvironmentVariable("STITCHING_PYTHON") is { Length: > 0 } p ? p : File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    /// <summary>The repository's python/ folder, put on PYTHONPATH so <c>-m stitching_torch</c> finds the package.</summary>
    public static string PackageFolder => Path.Combine(GpuRunnerDll.RepositoryRoot, "python");

    // Asked once per test run: starting Python and importing torch takes a second or two.
    private static readonly Lazy<string?> MissingOnce = new(() =>
    {
        try
        {
            var start = Start("-c", "import torch, numpy; print(torch.__version__)");
            using var process = Process.Start(start)!;
            _ = process.StandardError.ReadToEndAsync(); // drained, so a chatty import cannot block on a full pipe
            var version = process.StandardOutput.ReadToEnd().Trim();
            if (!process.WaitForExit(60_000)) { process.Kill(); return $"{Python} did not import torch within a minute."; }
            return process.ExitCode == 0 ? null
                : $"{Python} cannot import torch and numpy (apt-get install python3-torch python3-numpy, or set STITCHING_PYTHON).";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"No {Python} ({e.Message}; apt-get install python3-torch python3-numpy, or set STITCHING_PYTHON).";
        }
    });

    public static string? Missing => MissingOnce.Value;

    /// <summary>A start for <c>python args...</c> with python/ on PYTHONPATH and output redirected (run it with <see cref="GpuRunnerDll.RunAsync"/>).</summary>
    public static ProcessStartInfo Start(params string[] args)
    {
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["PYTHONPATH"] = PackageFolder;
        // Two cores shared with the test host: one torch thread is plenty for a few hundred tiny images.
        start.Environment["OMP_NUM_THREADS"] = "1";
        return start;
    }
}
