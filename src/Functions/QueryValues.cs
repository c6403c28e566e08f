using Microsoft.Extensions.Primitives;

namespace Stitching.Functions;

/// <summary>Query-string values as the functions read them.</summary>
public static class QueryValues
{
    /// <summary>The value, or null when the parameter is absent or empty ("?variant=" filters nothing).</summary>
    public static string? OrNull(StringValues value) => value.Count == 0 || value.ToString().Length == 0 ? null : value.ToString();

}
