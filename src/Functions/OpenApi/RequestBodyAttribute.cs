namespace Stitching.Functions.OpenApi;

/// <summary>
/// The JSON body an HTTP function reads with <see cref="RequestBody.ReadJsonAsync{T}"/>, named by the static
/// <c>JsonTypeInfo</c> property it passes there (e.g. <c>SweepSpecJson.TypeInfo</c>), so the documented schema is made
/// from the very options that read the body: its casing, enums and unknown-key rule.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RequestBodyAttribute(Type holder, string typeInfoProperty, string description) : Attribute
{
    public Type Holder { get; } = holder;

    public string TypeInfoProperty { get; } = typeInfoProperty;

    public string Description { get; } = description;
}
