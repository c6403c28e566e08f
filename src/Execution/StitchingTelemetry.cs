using System.Diagnostics;
using Stitching.Domain.Contracts;

namespace Stitching.Execution;

/// <summary>
/// The platform's traces: one <see cref="ActivitySource"/> for submission, planning, job processing and result writing,
/// every activity tagged with the sweep id. A job message carries the W3C trace context of the pass that planned it, so a
/// job's processing joins that trace. Hosts export it (Azure Monitor) only where <see cref="ConnectionStringVariable"/> is set.
/// </summary>
public static class StitchingTelemetry
{
    public const string SourceName = "Stitching";
    public const string ConnectionStringVariable = "APPLICATIONINSIGHTS_CONNECTION_STRING";
    public const string SweepIdTag = "stitching.sweep_id";
    public const string JobIdTag = "stitching.job_id";

    public static readonly ActivitySource Source = new(SourceName);

    public static Activity? StartSweep(string name, string sweepId) => Source.StartActivity(name)?.SetTag(SweepIdTag, sweepId);

    /// <summary>Processing of one delivery, a child of the trace that planned the job when its message carries one.</summary>
    public static Activity? StartJob(JobMessage message, int deliveryCount)
    {
        ActivityContext.TryParse(message.TraceParent, null, out var parent);
        return Source.StartActivity("Process job", ActivityKind.Consumer, parent)?
            .SetTag(SweepIdTag, message.SweepId).SetTag(JobIdTag, message.JobId)
            .SetTag("stitching.job_kind", message.Kind).SetTag("messaging.delivery_count", deliveryCount);
    }
}
