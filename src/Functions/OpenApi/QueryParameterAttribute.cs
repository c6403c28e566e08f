namespace Stitching.Functions.OpenApi;

/// <summary>
/// A query key an HTTP function reads. Functions read the query by hand (<c>request.Query["format"]</c>), which no
/// signature shows, so <see cref="ApiDocument"/> takes each operation's query parameters from these; a test reads every
/// function's source and fails when a key it reads is not declared here, or a declared one is no longer read.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class QueryParameterAttribute(string name, Type type, string description) : Attribute
{
    public string Name { get; } = name;

    /// <summary>The value's type as the function parses it (string, bool, int, double, DateTimeOffset).</summary>
    public Type Type { get; } = type;

    public string Description { get; } = description;

    /// <summary>The only values the function accepts, when it checks against a fixed list.</summary>
    public string[]? Values { get; set; }

    /// <summary>What the function assumes when the key is absent.</summary>
    public string? Default { get; set; }
}
