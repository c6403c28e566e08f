using System.Diagnostics;
using System.Text.Json;
using Stitching.Core.Contracts;
using Stitching.Core.Results;

namespace Stitching.GpuRunner.Sweeps;

/// <summary>
/// sweep.json in a sweep's output folder: the whole spec plus provenance (commit, TorchSharp version, device,
/// hardware, precision; each result row records its layout). A rerun into the same folder resumes only if its spec is identical, so a resumed run cannot
/// silently mix results of different settings.
/// </summary>
public sealed record SweepManifest(SweepSpec Spec, string Commit, string TorchSharpVersion, string Device, string Hardware, string Precision, DateTimeOffset CreatedUtc)
{
    public const string FileName = "sweep.json";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static SweepManifest Create(SweepSpec spec, string device, string hardware, string precision) =>
        new(spec, GitCommit(), typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString() ?? "?", device, hardware, precision, DateTimeOffset.UtcNow);

    /// <summary>Writes the manifest, or checks that an existing one describes the same sweep.</summary>
    public static void WriteOrCheck(string outDirectory, SweepManifest manifest)
    {
        var path = Path.Combine(outDirectory, FileName);
        if (Read(outDirectory) is { } existing)
        {
            // Tags and description change nothing that trains: a rerun that relabels the sweep still resumes (sweep.json keeps the first labels).
            var before = JsonSerializer.Serialize(existing.Spec with { Tags = [], Description = null }, Json);
            var now = JsonSerializer.Serialize(manifest.Spec with { Tags = [], Description = null }, Json);
            if (before != now)
                throw new ArgumentException(
                    $"{outDirectory} holds results of a different sweep (see {path}). Use another --out, or delete the folder to start over.");
            return;
        }
        AtomicFile.Write(path, w => w.Write(JsonSerializer.Serialize(manifest, Json)));
    }

    /// <summary>The manifest of the sweep in <paramref name="outDirectory"/>, or null when the folder has none.</summary>
    public static SweepManifest? Read(string outDirectory)
    {
        var path = Path.Combine(outDirectory, FileName);
        if (!File.Exists(path)) return null;
        return JsonSerializer.Deserialize<SweepManifest>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty.");
    }

    private static string GitCommit()
    {
        try
        {
            using var git = Process.Start(new ProcessStartInfo("git", "rev-parse --short HEAD")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory,
            });
            if (git is null) return "unknown";
            var output = git.StandardOutput.ReadToEnd().Trim();
            git.WaitForExit(5000);
            return git.ExitCode == 0 && output.Length > 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown"; // no git on this machine
        }
    }
}
