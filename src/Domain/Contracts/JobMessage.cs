using System.Text.Json.Serialization;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Contracts;

/// <summary>
/// One queued unit of work. <see cref="Kind"/> says which payload is set: <see cref="Model"/> for "model",
/// <see cref="Stitches"/> for "stitch" (a group of stitches of one variant and pair). The sweep's spec is not carried
/// (a Storage queue message is at most 64 KB); the worker reads it from the sweeps table. <see cref="TraceParent"/> is the
/// W3C trace context of the submission or planning that made the job, so its processing joins that trace.
/// <see cref="Deferrals"/> counts the deferred copies this one descends from (each copy is a fresh message, so the queue's
/// delivery count cannot), for the deferral limit; absent from the body while 0. <see cref="Retries"/> counts the
/// user's retries of the job (POST .../retry): it is part of the Service Bus message id, so a retry is a new message and
/// not a duplicate that Service Bus would drop within its detection window; absent while 0.
/// </summary>
public sealed record JobMessage(string SweepId, string JobId, string Kind, ModelSpec? Model = null, StitchGroup? Stitches = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? TraceParent = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int Deferrals = 0,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)] int Retries = 0)
{
    public static JobMessage ForModel(string sweepId, ModelSpec model) => new(sweepId, JobIds.ForModel(model), JobKind.Model, Model: model);

    public static JobMessage ForStitches(string sweepId, StitchGroup group) => new(sweepId, JobIds.ForStitches(group), JobKind.Stitch, Stitches: group);
}
