using Stitching.Domain.Contracts;

namespace Stitching.Domain.Results;

/// <summary>
/// A sweep's spec with its result rows: what the long table (<see cref="LongResultsTable"/>) and the comparison
/// (<see cref="SweepComparison"/>) read, whether it came from the platform's tables or a local output folder
/// (results.csv beside sweep.json).
/// </summary>
public sealed record SweepResults(string SweepId, SweepSpec Spec, IReadOnlyList<StitchResult> Rows);
