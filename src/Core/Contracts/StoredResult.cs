using Stitching.Core.Results;

namespace Stitching.Core.Contracts;

/// <summary>A result row with the job it came from, as the results endpoint lists it.</summary>
public sealed record StoredResult(string JobId, StitchResult Result);
