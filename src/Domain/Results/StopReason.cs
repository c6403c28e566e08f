using System.Text.Json.Serialization;

namespace Stitching.Domain.Results;

/// <summary>
/// Which rule ended a stitch's training (issue 23.4): the flag a reader needs before calling a stitch "converged". Wire
/// names (results.csv's stop_reason, JSON) via <see cref="Contracts.WireNames"/>.
/// </summary>
public enum StopReason
{
    /// <summary>A row written before the reason was recorded.</summary>
    [JsonStringEnumMemberName("unrecorded")] Unrecorded,
    /// <summary>The held-out stopping rule fired after at least one significant gain over the start: a plateau after progress.</summary>
    [JsonStringEnumMemberName("converged")] Converged,
    /// <summary>
    /// The stopping rule fired but no held-out check ever beat the start (the initialization, e.g. the least-squares fit)
    /// significantly: training found nothing better within the patience, which is not the same as having converged.
    /// </summary>
    [JsonStringEnumMemberName("no-gain")] NoGain,
    /// <summary>Still improving at the epoch cap: ran to the cap, not converged.</summary>
    [JsonStringEnumMemberName("cap")] Cap,
    /// <summary>Nothing was held out or no rule was asked for (patience 0): it ran to the cap by design.</summary>
    [JsonStringEnumMemberName("unchecked")] Unchecked,
}
