using System.Text.RegularExpressions;
using Stitching.Domain.Datasets;

namespace Stitching.Domain.Contracts;

/// <summary>
/// Ids that become table keys or blob paths. Table keys forbid '/', '\', '#', '?' and control characters,
/// and a blob path with ".." or '/' could leave its sweep's folder, so anything outside a plain token is refused.
/// </summary>
public static partial class StorageIds
{
    public static string NewSweepId() => Guid.NewGuid().ToString("N");

    public static bool IsValid(string? id) => id is { Length: > 0 and <= 200 } && Token().IsMatch(id) && !id.Contains("..");

    /// <summary>Throws where an invalid id reached storage code: the API checks first, so this is a bug guard.</summary>
    public static string Require(string? id, string paramName) =>
        IsValid(id) ? id! : throw new ArgumentException($"'{id}' is not a valid id: use letters, digits, '.', '_' and '-' only.", paramName);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*\z")]
    private static partial Regex Token();
}
