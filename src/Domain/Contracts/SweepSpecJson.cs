using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Stitching.Domain.Contracts;

/// <summary>
/// How a user's sweep spec is read. Not through <see cref="PlatformJsonContext"/>: generated code sets every
/// init-only property in one object initializer, so a key the user left out would become 0 or null instead of
/// the record's default. The reflection reader sets only what is present. Unknown keys are errors, so a typo
/// is a 400 rather than a silently ignored setting.
/// </summary>
public static class SweepSpecJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        // The settings enums first: an unknown name is an error that lists the allowed ones.
        Converters = { new WireNameConverterFactory(), new JsonStringEnumConverter() },
        RespectNullableAnnotations = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static JsonTypeInfo<SweepSpec> TypeInfo { get; } = (JsonTypeInfo<SweepSpec>)Options.GetTypeInfo(typeof(SweepSpec));

    /// <summary>
    /// How a spec stored by an earlier version is read (sweep.json): the same reflection reader, so a key added since takes
    /// its default, but a key removed since is skipped rather than refused.
    /// </summary>
    public static JsonTypeInfo<SweepSpec> StoredTypeInfo { get; } = (JsonTypeInfo<SweepSpec>)new JsonSerializerOptions(Options)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    }.GetTypeInfo(typeof(SweepSpec));
}
