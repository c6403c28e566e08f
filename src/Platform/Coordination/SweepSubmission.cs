using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;

namespace Stitching.Platform.Coordination;

/// <summary>Outcome of a submit: the stored sweep, or the validation errors that stopped it.</summary>
public sealed record SweepSubmission(SweepRecord? Sweep, IReadOnlyList<ValidationError> Errors)
{
    public bool Accepted => Sweep is not null;
}
