using System.Text.Json;

namespace Stitching.Domain.Contracts;

/// <summary>
/// A spec as a file: what <c>sweep --spec</c> reads and <c>sweep --dry-run</c> prints. One shape for the API's body,
/// the stored row and a run's sweep.json: a file is either the API's JSON body (read strictly, as the API reads it: an
/// unknown key is an error) or a sweep.json, whose <c>spec</c> is read as a stored spec (a key added since takes its
/// default). Written by the same generated writer the API and sweep.json use.
/// </summary>
public static class SweepSpecFile
{
    /// <exception cref="ArgumentException">The file is missing, is not JSON, or is not a spec; the message names the file.</exception>
    public static SweepSpec Read(string path)
    {
        if (!File.Exists(path)) throw new ArgumentException($"{path} does not exist: give a spec file (the API's JSON body) or a run's {SweepManifest.FileName}.");
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new ArgumentException($"{path}: a spec is a JSON object.");
            // sweep.json wraps the spec beside its provenance; the API's body is the spec itself (which has no "spec" key).
            var wrapped = document.RootElement.EnumerateObject().FirstOrDefault(p => p.Name.Equals(nameof(SweepManifest.Spec), StringComparison.OrdinalIgnoreCase));
            var spec = wrapped.Value.ValueKind == JsonValueKind.Object
                ? wrapped.Value.Deserialize(SweepSpecJson.StoredTypeInfo)
                : document.RootElement.Deserialize(SweepSpecJson.TypeInfo);
            return spec ?? throw new ArgumentException($"{path} holds no spec.");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path} is not a valid spec: {e.Message}", e);
        }
    }

    public static string Write(SweepSpec spec, bool indented = true) =>
        JsonSerializer.Serialize(spec, indented ? PlatformJsonContext.Indented.SweepSpec : PlatformJsonContext.Default.SweepSpec);
}
