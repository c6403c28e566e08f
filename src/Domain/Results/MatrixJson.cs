using System.Text.Json;
using Stitching.Domain.Contracts;

namespace Stitching.Domain.Results;

/// <summary>JSON form of a <see cref="SimilarityMatrix"/> (camelCase, missing cells as null), through <see cref="PlatformJsonContext"/>.</summary>
public static class MatrixJson
{
    public static string Serialize(SimilarityMatrix matrix) =>
        JsonSerializer.Serialize(matrix, PlatformJsonContext.Indented.SimilarityMatrix);

    public static SimilarityMatrix Deserialize(string json) =>
        JsonSerializer.Deserialize(json, PlatformJsonContext.Default.SimilarityMatrix)
        ?? throw new JsonException("Expected a similarity matrix object, found null.");

    /// <summary>Replaces <paramref name="path"/> atomically: a plot or the API never reads half a matrix.</summary>
    public static void WriteFile(string path, SimilarityMatrix matrix) => AtomicFile.Write(path, w => w.Write(Serialize(matrix)));

    public static SimilarityMatrix ReadFile(string path) => Deserialize(File.ReadAllText(path));
}
