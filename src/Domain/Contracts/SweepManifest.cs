using System.Text.Json;
using System.Text.Json.Serialization;
using Stitching.Domain.Results;

namespace Stitching.Domain.Contracts;

/// <summary>
/// sweep.json in a sweep's output folder: the whole spec (seeds, data subsets, settings) plus the run's
/// <see cref="Provenance"/>, whose id every row of the folder's results.csv carries. A rerun into the same folder resumes
/// only if its spec is identical, so a resumed run cannot silently mix results of different settings; a resume on other
/// code or another machine is added to <see cref="Resumes"/>, and its rows carry that provenance's id.
/// Provenance is null in folders written before it was recorded (their sweep.json is PascalCase and still reads).
/// </summary>
public sealed record SweepManifest(SweepSpec Spec, Provenance? Provenance, DateTimeOffset CreatedUtc)
{
    public const string FileName = "sweep.json";

    /// <summary>Provenances of later runs that resumed the sweep, when they differ from the first one.</summary>
    public IReadOnlyList<Provenance> Resumes { get; init; } = [];

    // Settable, not init-only: the generated reader sets init-only properties as constructor arguments, which extension data cannot be.
    /// <summary>Keys this record does not know (an older sweep.json's Commit, TorchSharpVersion, ...), kept when the file is rewritten.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Other { get; set; }

    /// <summary>Every provenance that produced rows of this sweep, by id.</summary>
    public IEnumerable<Provenance> Provenances() => (Provenance is null ? Resumes : Resumes.Prepend(Provenance)).DistinctBy(p => p.Id);

    /// <summary>Writes the manifest, or checks that an existing one describes the same sweep (and records a new provenance).</summary>
    public static void WriteOrCheck(string outDirectory, SweepManifest manifest)
    {
        var path = Path.Combine(outDirectory, FileName);
        if (Read(outDirectory) is { } existing)
        {
            // Labels change nothing that trains: a rerun that relabels the sweep still resumes (sweep.json keeps the first labels).
            if (SweepSpecDiff.TrainingDifferences(existing.Spec, manifest.Spec) is { Count: > 0 } differences)
                throw new ArgumentException(
                    $"{outDirectory} holds results of a different sweep (see {path}); settings that differ: {string.Join("; ", differences)}. " +
                    "Use another --out, resume it with --resume (its own settings), or delete the folder to start over.");
            if (manifest.Provenance is { } p && existing.Provenances().All(e => e.Id != p.Id))
                Write(path, existing with { Resumes = [.. existing.Resumes, p] });
            return;
        }
        Write(path, manifest);
    }

    private static void Write(string path, SweepManifest manifest) =>
        AtomicFile.Write(path, w => w.Write(JsonSerializer.Serialize(manifest, PlatformJsonContext.Indented.SweepManifest)));

    /// <summary>The manifest of the sweep in <paramref name="outDirectory"/>, or null when the folder has none.</summary>
    public static SweepManifest? Read(string outDirectory)
    {
        var path = Path.Combine(outDirectory, FileName);
        if (!File.Exists(path)) return null;
        var text = File.ReadAllText(path);
        var manifest = JsonSerializer.Deserialize(text, PlatformJsonContext.Default.SweepManifest) ?? throw new InvalidDataException($"{path} is empty.");
        // The spec again through the spec's own reader: the generated one would leave a key an older sweep.json lacks null or 0, not its default.
        using var document = JsonDocument.Parse(text);
        var spec = document.RootElement.EnumerateObject().First(p => p.Name.Equals(nameof(Spec), StringComparison.OrdinalIgnoreCase)).Value
            .Deserialize(SweepSpecJson.StoredTypeInfo)!;
        return manifest with { Spec = spec, Resumes = manifest.Resumes ?? [] };
    }
}
