using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Stitching.Domain.Contracts;

/// <summary>
/// Where a run's numbers come from, captured once per run (a local sweep, a worker process, a report, a bench) and
/// referenced by <see cref="Id"/> from every row it produced (<see cref="Results.StitchResult.ProvenanceId"/>), so a row
/// stays small and a result read anywhere leads back to its code and machine. Commit and Dirty: the source's git HEAD and
/// whether tracked files differed from it ("unknown" outside a checkout); TorchSharp and LibTorch: the versions of the
/// loaded assembly and of the native package the process runs with; Device, Hardware and Precision: what computed the
/// numbers (the engine fills these, <c>EngineProvenance</c>); Runtime: .NET and OS. Seeds, data subsets and settings
/// are the run's spec (stored beside it: sweep.json, the sweep's record) and each row's own seeds and image counts.
/// </summary>
public sealed record Provenance(
    string Commit, bool Dirty, string TorchSharp, string LibTorch, string Device, string Hardware, string Precision, string Runtime)
{
    /// <summary>Twelve hex digits of the SHA-256 of the other fields: the same code on the same machine and settings has the same id.</summary>
    public string Id => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Join('\n', Commit, Dirty, TorchSharp, LibTorch, Device, Hardware, Precision, Runtime))))[..12].ToLowerInvariant();

    /// <summary>".NET 10.0.x on Ubuntu 24.04 (x64)": the runtime and OS this process runs on.</summary>
    public static string CurrentRuntime() => $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant()})";

    /// <summary>
    /// The git HEAD of the checkout holding <paramref name="directory"/> (default: the application's folder, then the working
    /// directory) and whether its tracked files differ from HEAD. Without a directory and outside a checkout (a container
    /// image), the commit the SDK stamped into this assembly's informational version when it was built ("1.0.0+{sha}"),
    /// whose dirty state is not known (false). ("unknown", false) when neither tells.
    /// </summary>
    public static (string Commit, bool Dirty) Git(string? directory = null)
    {
        foreach (var dir in directory is null ? [AppContext.BaseDirectory, Directory.GetCurrentDirectory()] : new[] { directory })
        {
            if (RunGit(dir, "rev-parse HEAD") is not { Length: > 0 } head) continue;
            return (head, RunGit(dir, "status --porcelain --untracked-files=no") is { Length: > 0 });
        }
        var stamped = typeof(Provenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+');
        return (directory is null && stamped is [_, { Length: > 0 } built] ? built : "unknown", false);
    }

    private static string? RunGit(string directory, string args)
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", args)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = directory,
            });
            if (git is null) return null;
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.StandardError.ReadToEnd();
            return git.WaitForExit(10_000) && git.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; } // no git on this machine
        catch (DirectoryNotFoundException) { return null; }
    }

    /// <summary>
    /// The version of the native package named <paramref name="prefix"/>* (e.g. "libtorch-") this application was built
    /// with, from its .deps.json: "libtorch-cpu-linux-x64 2.10.0", or "unknown" when none is listed.
    /// </summary>
    public static string PackageVersion(string prefix)
    {
        // The host's deps files, then any beside the application (a test host is started with another app's deps file).
        var deps = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(Directory.EnumerateFiles(AppContext.BaseDirectory, "*.deps.json").Order(StringComparer.Ordinal));
        foreach (var file in deps)
        {
            if (!File.Exists(file)) continue;
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            if (!doc.RootElement.TryGetProperty("libraries", out var libraries)) continue;
            var match = libraries.EnumerateObject().Select(l => l.Name)
                .Where(n => n.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).FirstOrDefault();
            if (match is not null) return match.Replace('/', ' ');
        }
        return "unknown";
    }
}
