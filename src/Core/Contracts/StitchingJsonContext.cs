using System.Text.Json.Serialization;
using Stitching.Core.Results;

namespace Stitching.Core.Contracts;

/// <summary>
/// The one source-generated JSON context shared by API, runner and CLI; add each new contract here.
/// Nulls are written (a null cell is an untrained stitch, not an absent one); NaN is allowed as a literal
/// because a diverged stitch's loss is NaN and must round-trip rather than fail the whole file.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    WriteIndented = true)]
[JsonSerializable(typeof(SimilarityMatrix))]
[JsonSerializable(typeof(List<SimilarityMatrix>))]
[JsonSerializable(typeof(StitchResult))]
[JsonSerializable(typeof(List<StitchResult>))]
[JsonSerializable(typeof(ModelResult))]
[JsonSerializable(typeof(List<ModelResult>))]
[JsonSerializable(typeof(IReadOnlyList<Analysis.PatternVerdict>))]
public sealed partial class StitchingJsonContext : JsonSerializerContext;
