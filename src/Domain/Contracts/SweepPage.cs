namespace Stitching.Domain.Contracts;

/// <summary>
/// One page of the sweep listing, newest first; <see cref="Continuation"/> asks for the next page (with the same
/// filters) and is absent on the last.
/// </summary>
public sealed record SweepPage(IReadOnlyList<SweepSummary> Sweeps, string? Continuation);
