using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Stitching.Core.Results;

namespace Stitching.Functions;

/// <summary>Query-string values as the functions read them.</summary>
public static class QueryValues
{
    /// <summary>The value, or null when the parameter is absent or empty ("?variant=" filters nothing).</summary>
    public static string? OrNull(StringValues value) => value.Count == 0 || value.ToString().Length == 0 ? null : value.ToString();

    /// <summary>The results listing's filters (variant, senderLayer, receiverLayer, senderArch, receiverArch), shared by every results answer.</summary>
    public static ResultsFilter ResultsFilter(IQueryCollection q) =>
        new(OrNull(q["variant"]), OrNull(q["senderLayer"]), OrNull(q["receiverLayer"]), OrNull(q["senderArch"]), OrNull(q["receiverArch"]));
}
