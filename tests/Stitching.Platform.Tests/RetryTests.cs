using Stitching.Domain.Contracts;
using Stitching.Functions.Sweeps;

namespace Stitching.Platform.Tests;

/// <summary>POST /api/sweeps/{id}/retry: failed jobs back on the queue, finished results kept; nothing to retry is said.</summary>
public sealed class RetryTests
{
    [AzuriteFact]
    public async Task A_sweep_whose_models_failed_is_retried_after_the_fix_and_finishes()
    {
        // Given a sweep whose model jobs failed (a poisoned runner: every model throws) and were dead-lettered
        await using var env = await TestPlatform.CreateAsync(maxDeliveries: 1);
        var id = await env.SubmitAsync();
        await TestPlatform.DrainAsync(env.Processor(new FakeExecutor(failModels: true)));
        var failed = (await env.Platform.Queries.GetStatusAsync(id))!;
        Assert.True(failed.Finished && failed.Failed == failed.Total, $"{failed}");
        Assert.All(failed.Failures, f => Assert.True(f.Attempts >= 0 && f.Error.Length > 0, f.ToString()));
        var retry = new RetrySweep(env.Platform.Coordinator);

        // When it is retried with the runner fixed
        var answer = await Http.ExecuteAsync(await retry.RunAsync(Http.Request("POST"), id, default));
        Assert.True(answer.Status == 200, answer.Body);
        Assert.Equal(failed.Total, answer.Json.GetProperty("requeued").GetInt32());
        var fixedRunner = new FakeExecutor();
        await TestPlatform.DrainAsync(env.Processor(fixedRunner));

        // Then each retried job is a new retry generation, which on Service Bus is a new message id: duplicate detection
        // (1 h window) would otherwise drop the retry's message as a copy of the first send, and the job would never run
        var rows = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
        Assert.All(rows, r => Assert.Equal(1, r.Message.Retries));
        Assert.All(rows, r => Assert.Equal($"{id}:{r.JobId}:r1", Stitching.Platform.Queues.ServiceBusJobQueue.MessageId(r.Message)));
        Assert.Equal($"{id}:{rows[0].JobId}", Stitching.Platform.Queues.ServiceBusJobQueue.MessageId(rows[0].Message with { Retries = 0 }));

        // And every job is done and every stitch has its row
        var done = (await env.Platform.Queries.GetStatusAsync(id))!;
        Assert.True(done.Finished && done.Done == done.Total && done.Failed == 0, $"{done}");
        Assert.Equal(fixedRunner.Stitches.Distinct().Count(), (await env.Platform.Storage.ListResultsAsync(id).ToListAsync()).Count);

        // And a second retry does nothing and says why
        var again = await Http.ExecuteAsync(await retry.RunAsync(Http.Request("POST"), id, default));
        Assert.Equal(0, again.Json.GetProperty("requeued").GetInt32());
        Assert.Contains("Nothing retried", again.Json.GetProperty("message").GetString());
    }

    [AzuriteFact]
    public async Task Retry_answers_nothing_for_a_cancelled_sweep_404_for_an_unknown_one_and_400_for_a_bad_include()
    {
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        await env.Platform.Coordinator.Control.CancelAsync(id);
        var retry = new RetrySweep(env.Platform.Coordinator);

        var cancelled = await Http.ExecuteAsync(await retry.RunAsync(Http.Request("POST", query: "?include=failed,cancelled"), id, default));
        Assert.Equal(200, cancelled.Status);
        Assert.Equal(0, cancelled.Json.GetProperty("requeued").GetInt32());
        Assert.Contains("cancelled", cancelled.Json.GetProperty("message").GetString());
        Assert.Equal(404, (await Http.ExecuteAsync(await retry.RunAsync(Http.Request("POST"), "nosuchsweep", default))).Status);
        var bad = await Http.ExecuteAsync(await retry.RunAsync(Http.Request("POST", query: "?include=done"), id, default));
        Assert.Equal(400, bad.Status);
        Assert.True(bad.Json.GetProperty("errors").TryGetProperty("include", out _), bad.Body);
    }
}
