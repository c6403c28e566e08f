using System.Collections.Concurrent;
using System.Diagnostics;
using Stitching.Execution;

namespace Stitching.Platform.Tests;

public sealed class TelemetryTests
{
    [AzuriteFact]
    public async Task Submission_each_job_and_its_result_writes_are_one_trace_tagged_with_the_sweep_id()
    {
        // Given a listener on the platform's source (tests run in parallel: activities are told apart by sweep id)
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == StitchingTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var env = await TestPlatform.CreateAsync();

        // When a sweep is submitted and its 6 jobs processed
        var id = await env.SubmitAsync();
        await TestPlatform.DrainAsync(env.Processor(new FakeExecutor()));

        // Then submission, the 6 jobs, 2 model writes and 4 result writes carry the sweep id, all in the submission's trace
        var mine = activities.Where(a => a.GetTagItem(StitchingTelemetry.SweepIdTag) as string == id).ToList();
        var submit = Assert.Single(mine, a => a.OperationName == "Submit sweep");
        var jobs = mine.Where(a => a.OperationName == "Process job").ToList();
        Assert.Equal(6, jobs.Count);
        Assert.All(jobs, j => Assert.Equal("Done", j.GetTagItem("stitching.outcome")));
        Assert.Equal(2, mine.Count(a => a.OperationName == "Write model"));
        Assert.Equal(4, mine.Count(a => a.OperationName == "Write results"));
        Assert.All(mine, a => Assert.Equal(submit.TraceId, a.TraceId));
    }
}
