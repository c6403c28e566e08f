using System.Text.Json;
using System.Text.Json.Nodes;

namespace Stitching.Domain.Contracts;

/// <summary>
/// Which settings of two specs differ in what trains: the one rule for "is this the same sweep?", used when a local run
/// resumes a folder (sweep.json) and by <c>sweep --resume</c>. Labels (tags, description) and the chance rule change
/// nothing that trains and are not compared.
/// </summary>
public static class SweepSpecDiff
{
    /// <summary>The spec with its labels cleared, as compared.</summary>
    public static SweepSpec WithoutLabels(SweepSpec spec) => spec with { Tags = [], Description = null, AllowChanceModels = false };

    /// <summary>"stitch.epochs: 30 -> 10" for each setting that differs, by its JSON path; empty when the specs train alike.</summary>
    public static IReadOnlyList<string> TrainingDifferences(SweepSpec before, SweepSpec after)
    {
        var a = Flatten(before); var b = Flatten(after);
        return a.Keys.Union(b.Keys).Order(StringComparer.Ordinal)
            .Where(k => a.GetValueOrDefault(k) != b.GetValueOrDefault(k))
            .Select(k => $"{k}: {a.GetValueOrDefault(k) ?? "(none)"} -> {b.GetValueOrDefault(k) ?? "(none)"}")
            .ToList();
    }

    private static Dictionary<string, string> Flatten(SweepSpec spec)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        void Walk(string path, JsonNode? node)
        {
            if (node is JsonObject o) foreach (var (key, child) in o) Walk(path.Length == 0 ? key : $"{path}.{key}", child);
            else values[path] = node?.ToJsonString() ?? "null";
        }
        Walk("", JsonSerializer.SerializeToNode(WithoutLabels(spec), PlatformJsonContext.Default.SweepSpec));
        return values;
    }
}
