using Stitching.Domain.Sweeps;
namespace Stitching.Platform.Coordination;

/// <summary>What one recovery pass did: dead letters recorded as Failed rows, sweeps planned, jobs re-sent after an expired lease, ready jobs sent.</summary>
public sealed record RecoveryReport(int DeadLettersRecorded, int SweepsPlanned, int Resent, int Sent)
{
    public bool DidAnything => DeadLettersRecorded + SweepsPlanned + Resent + Sent > 0;
}
