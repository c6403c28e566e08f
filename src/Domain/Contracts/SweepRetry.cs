namespace Stitching.Domain.Contracts;

/// <summary>What a retry did: the jobs put back on the queue (none, with the reason, when there was nothing to retry).</summary>
public sealed record SweepRetry(string SweepId, int Requeued, IReadOnlyList<string> JobIds, string Message);
