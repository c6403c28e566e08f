using Stitching.Execution;
using Stitching.Domain.Jobs;
namespace Stitching.Platform.Processing;

/// <summary>How long a worker host runs; bound from <c>Stitching:Worker</c> (the CLI's <c>--max-jobs</c> sets it).</summary>
public sealed class WorkerOptions
{
    public const string Section = JobProcessorOptions.Section;

    /// <summary>
    /// Job mode (a Container Apps job execution, started by the scaler for one message): stop after this many messages
    /// whatever their outcome, or at the first receive that finds the queue empty. Null: run until stopped.
    /// </summary>
    public int? MaxJobs { get; set; }
}
