using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Stitching.Domain.Results;

namespace Stitching.Domain.Contracts;

/// <summary>
/// The one source-generated JSON context of the platform: queue messages, table payloads, API bodies and the files a
/// run writes (sweep.json, model metadata, matrix-*.json, patterns.json, bench reports) all go through it, so they share
/// one casing (camelCase), one null handling (a null property is left out; a null cell inside a matrix stays null) and one
/// number handling. Enums travel as strings so a message stays readable in a queue explorer. Add each new contract here.
/// Reading ignores case, so files written before this context (PascalCase sweep.json and model metadata) still read.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // A diverged stitch's loss is NaN and a model result may carry NaN for a metric it lacks: both must travel
    // through messages, tables, files and the API ("NaN", "Infinity"), not throw when stored.
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(JobMessage))]
[JsonSerializable(typeof(SweepSpec))]
[JsonSerializable(typeof(SweepRecord))]
[JsonSerializable(typeof(SweepStatus))]
[JsonSerializable(typeof(SweepAccepted))]
[JsonSerializable(typeof(SweepRetry))]
[JsonSerializable(typeof(Sweeps.SweepEstimate))]
[JsonSerializable(typeof(IReadOnlyList<SweepSummary>))]
[JsonSerializable(typeof(SweepPage))]
[JsonSerializable(typeof(IReadOnlyList<StoredResult>))]
[JsonSerializable(typeof(StoredResult))]
[JsonSerializable(typeof(IReadOnlyList<StitchResult>))]
[JsonSerializable(typeof(List<StitchResult>))]
[JsonSerializable(typeof(ModelResult))]
[JsonSerializable(typeof(List<ModelResult>))]
[JsonSerializable(typeof(StitchResult))]
[JsonSerializable(typeof(IReadOnlyList<AnalysisResult>))]
[JsonSerializable(typeof(SimilarityMatrix))]
[JsonSerializable(typeof(List<SimilarityMatrix>))]
[JsonSerializable(typeof(SweepComparison))]
[JsonSerializable(typeof(DeadLetterEnvelope))]
[JsonSerializable(typeof(IReadOnlyList<Analysis.PatternVerdict>))]
[JsonSerializable(typeof(Provenance))]
[JsonSerializable(typeof(SweepManifest))]
[JsonSerializable(typeof(ModelCheckpoint))]
[JsonSerializable(typeof(Datasets.ImageFolderManifest))]
[JsonSerializable(typeof(Datasets.DatasetInfo))]
public sealed partial class PlatformJsonContext : JsonSerializerContext
{
    /// <summary>The same contracts written indented, for the files a person opens (sweep.json, matrices, model metadata).</summary>
    // Lazy: a static initializer here could run before the generated part's own static fields are set.
    public static PlatformJsonContext Indented => _indented ??= new(new JsonSerializerOptions(Default.Options) { WriteIndented = true });
    private static PlatformJsonContext? _indented;

    /// <summary>
    /// Makes other options (ASP.NET Core's HTTP JSON options, which <c>TypedResults.Ok</c> and <c>Accepted</c> write with)
    /// resolve this context's contracts first and share its casing, null and number handling.
    /// </summary>
    public static void Configure(JsonSerializerOptions options)
    {
        var own = Default.Options;
        options.PropertyNamingPolicy = own.PropertyNamingPolicy;
        options.DictionaryKeyPolicy = own.DictionaryKeyPolicy;
        options.PropertyNameCaseInsensitive = own.PropertyNameCaseInsensitive;
        options.DefaultIgnoreCondition = own.DefaultIgnoreCondition;
        options.NumberHandling = own.NumberHandling;
        options.RespectNullableAnnotations = own.RespectNullableAnnotations;
        options.TypeInfoResolverChain.Insert(0, Default);
    }

    /// <summary>
    /// The context's options with a reflection fallback, for the ad-hoc report objects of the bench commands (anonymous types,
    /// which no generator can see): contracts inside them still go through this context, and the rest gets its casing,
    /// null and number handling.
    /// </summary>
    public static JsonSerializerOptions Reports => _reports ??= new(Indented.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(Indented, new DefaultJsonTypeInfoResolver()),
    };
    private static JsonSerializerOptions? _reports;
}
