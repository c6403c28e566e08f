using Stitching.Core.Results;

namespace Stitching.Core.Contracts;

/// <summary>A result row with its stitch id (<see cref="JobIds.ForStitch"/>), as the results endpoint lists it.</summary>
public sealed record StoredResult(string StitchId, StitchResult Result);
