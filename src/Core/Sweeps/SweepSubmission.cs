using Stitching.Core.Contracts;

namespace Stitching.Core.Sweeps;

/// <summary>Outcome of a submit: the stored sweep, or the validation errors that stopped it.</summary>
public sealed record SweepSubmission(SweepRecord? Sweep, IReadOnlyList<ValidationError> Errors)
{
    public bool Accepted => Sweep is not null;
}
