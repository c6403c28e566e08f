namespace Stitching.Functions.OpenApi;

/// <summary>
/// A non-JSON 200 answer (<c>ContentHttpResult</c>, <c>FileContentHttpResult</c>) and its media type, which the
/// result type does not carry; a test compares these with the media types the function's source passes to <c>TypedResults</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ContentResponseAttribute(string mediaType, string description) : Attribute
{
    public string MediaType { get; } = mediaType;

    public string Description { get; } = description;
}
