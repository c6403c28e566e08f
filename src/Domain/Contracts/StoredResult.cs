using Stitching.Domain.Results;

namespace Stitching.Domain.Contracts;

/// <summary>
/// A result row with its stitch id (<see cref="JobIds.ForStitch"/>), as the results endpoints list it. Runner: the worker
/// id that stored it (the job processor's WorkerId option). Checkpoint: the blob of the trained stitch,
/// <c>checkpoints/stitches/{sweepId}/{stitchId}.bin</c>, when the runner uploaded one. Both null on rows stored before
/// they were recorded. Provenance: the record <see cref="StitchResult.ProvenanceId"/> refers to, filled where one row is
/// read (the result endpoint, <c>GET /api/sweeps/{id}/results/{stitchId}</c>); null in lists, and for rows stored before it was recorded.
/// </summary>
public sealed record StoredResult(string StitchId, StitchResult Result, string? Runner = null, string? Checkpoint = null, Provenance? Provenance = null);
