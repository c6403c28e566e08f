using Stitching.Core.Sweeps;

namespace Stitching.Core.Contracts;

/// <summary>
/// One queued unit of work. <see cref="Kind"/> says which payload is set: <see cref="Model"/> for "model",
/// <see cref="Stitches"/> for "stitch" (a group of stitches of one variant and pair). The sweep's spec is not carried
/// (a Storage queue message is at most 64 KB); the worker reads it from the sweeps table.
/// </summary>
public sealed record JobMessage(string SweepId, string JobId, string Kind, ModelSpec? Model = null, StitchGroup? Stitches = null)
{
    public static JobMessage ForModel(string sweepId, ModelSpec model) => new(sweepId, JobIds.ForModel(model), JobKind.Model, Model: model);

    public static JobMessage ForStitches(string sweepId, StitchGroup group) => new(sweepId, JobIds.ForStitches(group), JobKind.Stitch, Stitches: group);
}
