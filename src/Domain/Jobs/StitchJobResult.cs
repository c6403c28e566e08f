using Stitching.Domain.Results;

namespace Stitching.Domain.Jobs;

/// <summary>
/// What a stitch-group job produced: one task result per stitch, in the order of the job's tasks, and one analysis row
/// per stitch (same order) when the sweep asked for analyses (<see cref="Sweeps.Analyses"/>), else none.
/// </summary>
public sealed record StitchJobResult(IReadOnlyList<StitchResult> Results, IReadOnlyList<AnalysisResult> Analyses);
