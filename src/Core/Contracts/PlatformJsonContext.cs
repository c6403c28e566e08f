using System.Text.Json.Serialization;
using Stitching.Core.Results;

namespace Stitching.Core.Contracts;

/// <summary>
/// Source-generated JSON for the platform's contracts (queue messages, table payloads, API bodies).
/// Enums travel as strings so a message stays readable in a queue explorer.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    // A diverged stitch's loss is NaN and a model result may carry NaN for a metric it lacks: both must travel
    // through messages, tables and the API ("NaN", "Infinity"), not throw when stored.
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
[JsonSerializable(typeof(ModelResult))]
[JsonSerializable(typeof(StitchResult))]
[JsonSerializable(typeof(IReadOnlyList<AnalysisResult>))]
[JsonSerializable(typeof(SimilarityMatrix))]
[JsonSerializable(typeof(SweepComparison))]
[JsonSerializable(typeof(DeadLetterEnvelope))]
public sealed partial class PlatformJsonContext : JsonSerializerContext;
