using System.Diagnostics;
using Stitching.Tests.Shared;

namespace Stitching.Reliability.Tests;

/// <summary>
/// The CLI builds for a researcher's laptop (issue 25.3): <c>dotnet publish src/GpuRunner -r osx-arm64</c> and
/// <c>-r win-x64</c> restore in locked mode from the committed <c>packages.&lt;rid&gt;.lock.json</c> files, take that
/// system's libtorch-cpu package (src/Engine/TorchBackend.props) and publish the native libraries it loads. This Linux
/// machine cannot run them; that they load and train on macOS or Windows is not checked here (docs/cli.md says so).
/// </summary>
public sealed class CrossRuntimeBuildTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-cross-rid-").FullName;

    [SkippableTheory]
    [InlineData("osx-arm64", "libtorch_cpu.dylib", "libLibTorchSharp.dylib")]
    [InlineData("win-x64", "torch_cpu.dll", "LibTorchSharp.dll")]
    public async Task The_cli_restores_locked_and_publishes_with_the_systems_own_libtorch(string rid, string libtorch, string libTorchSharp)
    {
        // Given a copy of the sources (a publish for another runtime rewrites obj/ of every project it builds, which
        // would disturb the build the other tests run from)
        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", "global.json", ".editorconfig" })
            File.Copy(Path.Combine(Repo.Root, file), Path.Combine(_dir, file));
        CopySources(Path.Combine(Repo.Root, "src"), Path.Combine(_dir, "src"));
        var lockFiles = Directory.GetFiles(Path.Combine(_dir, "src"), $"packages.{rid}.lock.json", SearchOption.AllDirectories);
        Assert.True(lockFiles.Length >= 6, $"Expected committed packages.{rid}.lock.json files for GpuRunner and the projects it references, found {lockFiles.Length}.");
        var committed = lockFiles.ToDictionary(f => f, File.ReadAllText);

        // When the CLI is published for that runtime, restoring in locked mode
        var output = Path.Combine(_dir, "out");
        var (exit, log) = await DotnetAsync(["publish", "src/GpuRunner", "-c", "Release", "-r", rid, "--self-contained", "false", "-o", output,
            "-p:RestoreLockedMode=true", "-nodeReuse:false", "-p:UseSharedCompilation=false"]);
        if (exit != 0 && log.Contains("NU1301", StringComparison.Ordinal))
            Requirement.Require($"NuGet is unreachable and libtorch-cpu-{rid} is not in the local package cache (dotnet restore src/GpuRunner -r {rid} once online).");

        // Then it succeeds with that system's libtorch and TorchSharp's native bridge beside the app, and the lock files stand
        Assert.True(exit == 0, log);
        Assert.True(File.Exists(Path.Combine(output, "Stitching.GpuRunner.dll")), log);
        Assert.True(File.Exists(Path.Combine(output, libtorch)), $"No {libtorch} in the {rid} publish: {string.Join(", ", Directory.GetFiles(output).Select(Path.GetFileName))}");
        Assert.True(File.Exists(Path.Combine(output, libTorchSharp)), $"No {libTorchSharp} in the {rid} publish.");
        Assert.False(File.Exists(Path.Combine(output, "libtorch_cpu.so")), "linux-x64's libtorch was published for " + rid);
        foreach (var (file, text) in committed) Assert.Equal(text, File.ReadAllText(file));
    }

    private static void CopySources(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from))
            if (Path.GetFileName(dir) is not ("bin" or "obj")) CopySources(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    private async Task<(int Exit, string Log)> DotnetAsync(string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = _dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', args)} ran past 10 minutes in {_dir}.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
