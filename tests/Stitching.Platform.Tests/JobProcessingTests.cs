using System.Text.Json;
using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Platform.Processing;
using Stitching.Platform.Queues;

namespace Stitching.Platform.Tests;

public sealed class JobProcessingTests
{
    private static async Task<string> SubmitAsync(TestPlatform env, string spec = Specs.Small)
    {
        var response = await Http.ExecuteAsync(await new SubmitSweep(env.Platform.Coordinator).RunAsync(Http.Request("POST", spec), default));
        Assert.True(response.Status == 202, response.Body);
        return response.Json.GetProperty("sweepId").GetString()!;
    }

    [AzuriteFact]
    public async Task A_processed_sweep_has_one_result_per_stitch_status_results_matrix_and_report()
    {
        await using var env = await TestPlatform.CreateAsync();
        var id = await SubmitAsync(env);
        var executor = new FakeExecutor();

        var outcomes = await TestPlatform.DrainAsync(env.Processor(executor));

        Assert.Equal(6, outcomes.Count(o => o == JobOutcome.Done));
        Assert.Equal(2, executor.Models.Count);
        Assert.Equal(4, executor.Stitches.Count);
        Assert.True(await env.Platform.Checkpoints.Container.GetBlobClient($"models/{executor.Models.First()}.bin").ExistsAsync());

        var status = (await Http.ExecuteAsync(await new GetSweep(env.Platform.Queries).RunAsync(Http.Request(), id, default))).Json;
        Assert.Equal(6, status.GetProperty("done").GetInt32());
        Assert.Equal(0, status.GetProperty("queued").GetInt32());
        Assert.Equal(1.0, status.GetProperty("progress").GetDouble());
        Assert.True(status.GetProperty("finished").GetBoolean());

        var results = new GetResults(env.Platform.Results, env.Platform.Storage);
        var all = (await Http.ExecuteAsync(await results.RunAsync(Http.Request(), id, default))).Json;
        Assert.Equal(4, all.GetArrayLength());
        var stem = (await Http.ExecuteAsync(await results.RunAsync(Http.Request(query: "?senderLayer=stem&variant=trained-trained"), id, default))).Json;
        Assert.Equal(2, stem.GetArrayLength());
        Assert.All(stem.EnumerateArray(), r => Assert.Equal("stem", r.GetProperty("result").GetProperty("senderLayer").GetString()));
        var none = (await Http.ExecuteAsync(await results.RunAsync(Http.Request(query: "?variant=random->random"), id, default))).Json;
        Assert.Equal(0, none.GetArrayLength());

        var matrix = await Http.ExecuteAsync(await new GetMatrix(env.Platform.Results).RunAsync(Http.Request(query: "?variant=trained->trained&format=json"), id, default));
        Assert.Equal(200, matrix.Status);
        Assert.Equal(["stem", "1.0"], matrix.Json.GetProperty("senderLayers").EnumerateArray().Select(e => e.GetString()));
        Assert.All(matrix.Json.GetProperty("values").EnumerateArray().SelectMany(r => r.EnumerateArray()), v => Assert.Equal(JsonValueKind.Number, v.ValueKind));
        var png = await Http.ExecuteAsync(await new GetMatrix(env.Platform.Results).RunAsync(Http.Request(query: "?format=png"), id, default));
        // drawn by the one renderer (no host runs without one any more, so no 501)
        Assert.Equal(200, png.Status);
        Png.AssertDrawn(png.Bytes);

        var report = await Http.ExecuteAsync(await new GetReport(env.Platform.Queries, env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(), id, default));
        Assert.Equal(200, report.Status);
        Assert.StartsWith("text/html", report.ContentType);
        Assert.Contains("small &lt;b&gt;&amp;&quot;quoted&quot;", report.Body);
        Assert.DoesNotContain("<b>", report.Body);
        Assert.Contains("results?format=csv", report.Body);
        Assert.Contains("90.00", report.Body); // trained model accuracy

        var list = (await Http.ExecuteAsync(await new ListSweeps(env.Platform.Queries).RunAsync(Http.Request(), default))).Json;
        Assert.Contains(list.GetProperty("sweeps").EnumerateArray(), s => s.GetProperty("sweepId").GetString() == id);
    }

    [AzuriteFact]
    public async Task A_sweep_with_analyses_stores_one_analysis_row_per_stitch_and_serves_them_as_json_csv_and_in_the_report()
    {
        // Given a sweep that asks for analyses, processed by workers whose executor returns an analysis row per stitch
        await using var env = await TestPlatform.CreateAsync();
        var id = await SubmitAsync(env, Specs.Small.Replace("\"stitchesPerJob\": 1", "\"stitchesPerJob\": 1, \"analyses\": [\"copy\", \"cka\"]"));
        await TestPlatform.DrainAsync(env.Processor(new FakeExecutor()));

        // Then the API serves the 4 rows as JSON and CSV (analysis.csv's columns), filtered like task results
        var results = new GetResults(env.Platform.Results, env.Platform.Storage);
        var json = (await Http.ExecuteAsync(await results.RunAsync(Http.Request(query: "?kind=analysis"), id, default))).Json;
        Assert.Equal(4, json.GetArrayLength());
        Assert.All(json.EnumerateArray(), r => Assert.Equal(0.5, r.GetProperty("cka").GetDouble()));
        var csv = await Http.ExecuteAsync(await results.RunAsync(Http.Request(query: "?kind=analysis&format=csv&senderLayer=stem"), id, default));
        Assert.StartsWith("text/csv", csv.ContentType);
        var rows = Stitching.Domain.Results.AnalysisCsv.Read(new StringReader(csv.Body));
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.Equal(r.TaskAccuracy - 0.1, r.CopyAccuracy, 12));
        // and refuses what has no analysis form
        Assert.Equal(400, (await Http.ExecuteAsync(await results.RunAsync(Http.Request(query: "?kind=analysis&format=parquet"), id, default))).Status);
        Assert.Equal(400, (await Http.ExecuteAsync(await results.RunAsync(Http.Request(query: "?kind=models"), id, default))).Status);
        // and the report shows the summary, with a link to the CSV
        var report = await Http.ExecuteAsync(await new GetReport(env.Platform.Queries, env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(), id, default));
        Assert.Contains("trained-&gt;trained: copy accuracy", report.Body);
        Assert.Contains("trained-&gt;trained: linear CKA", report.Body);
        Assert.Contains("results?kind=analysis&amp;format=csv", report.Body);
        Assert.DoesNotContain("least-squares accuracy", report.Body); // not asked for
    }

    [AzuriteFact]
    public async Task Duplicate_deliveries_and_racing_processors_leave_exactly_one_row_per_job()
    {
        await using var env = await TestPlatform.CreateAsync();
        var id = await SubmitAsync(env);
        var executor = new FakeExecutor(delay: TimeSpan.FromMilliseconds(400));
        // Every message of the sweep is delivered three times: a retried fan-out without Service Bus dedup.
        var jobs = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
        await env.Platform.Queue.SendBatchAsync(jobs.Where(j => j.Kind == JobKind.Model).SelectMany(j => new[] { j.Message, j.Message }));

        var a = TestPlatform.DrainAsync(env.Processor(executor, "a"));
        var b = TestPlatform.DrainAsync(env.Processor(executor, "b"));
        var outcomes = (await Task.WhenAll(a, b)).SelectMany(o => o).ToList();
        // The stitches were sent as the models finished; resend them too, then race again.
        await env.Platform.Queue.SendBatchAsync(jobs.Where(j => j.Kind == JobKind.Stitch).Select(j => j.Message));
        outcomes.AddRange((await Task.WhenAll(TestPlatform.DrainAsync(env.Processor(executor, "a")), TestPlatform.DrainAsync(env.Processor(executor, "b")))).SelectMany(o => o));

        Assert.Equal(2, executor.Models.Distinct().Count());
        Assert.Equal(2, executor.Models.Count);
        Assert.Equal(4, executor.Stitches.Count);
        Assert.Equal(4, (await env.Platform.Storage.ListResultsAsync(id).ToListAsync()).Count);
        Assert.Contains(JobOutcome.Duplicate, outcomes);
        Assert.Equal(6, (await env.Platform.Queries.GetStatusAsync(id))!.Done);
        Assert.Empty((await env.Queue.Queue.PeekMessagesAsync(32)).Value);
    }

    [AzuriteFact]
    public async Task By_default_a_variant_is_one_job_trained_by_receiver_layer_and_a_retry_trains_only_the_stitches_not_stored()
    {
        // Given the default job size: each variant's 3 x 3 layer grid is one job
        await using var env = await TestPlatform.CreateAsync();
        var id = await SubmitAsync(env, """
            {"senders": ["resnet(1,1,1,1)"], "receivers": ["resnet(1,1,1,1)"], "variants": ["trained->trained", "random->trained"],
             "senderLayers": ["stem", "1.0", "2.0"], "receiverLayers": ["1.0", "2.0", "3.0"], "trainLimit": 1000, "stitch": {"epochs": 1}}
            """);
        var sweep = (await env.Platform.Storage.GetSweepAsync(id))!;
        Assert.Equal((3, 2, 18), (sweep.ModelJobs, sweep.StitchJobs, sweep.Stitches));

        // When the first delivery of a job crashes at its second receiver layer
        var executor = new FakeExecutor(failOnceAt: "2.0");
        var outcomes = await TestPlatform.DrainAsync(env.Processor(executor));

        // Then the retry trains only what was not stored, and every stitch has exactly one row
        Assert.Contains(JobOutcome.Retried, outcomes);
        Assert.Equal(5, outcomes.Count(o => o == JobOutcome.Done));
        Assert.Equal(18, executor.Stitches.Count);
        Assert.Equal(18, executor.Stitches.Distinct().Count());
        Assert.All(executor.CallSizes, n => Assert.Equal(3, n)); // one call per receiver layer, its 3 sender layers together
        var rows = await env.Platform.Storage.ListResultsAsync(id).ToListAsync();
        var planned = SweepPlan.Create(sweep.Spec).Stitches.Select(JobIds.ForStitch).Order().ToList();
        Assert.Equal(planned, rows.Select(r => r.StitchId).Order());
        var status = (await env.Platform.Queries.GetStatusAsync(id))!;
        Assert.True(status.Finished);
        Assert.Equal(5, status.Done);
    }

    [AzuriteFact]
    public async Task Malformed_and_invalid_messages_are_dead_lettered_with_their_reason_recorded()
    {
        await using var env = await TestPlatform.CreateAsync();
        await env.Queue.Queue.SendMessageAsync("this is not json");
        var processor = env.Processor(new FakeExecutor());

        Assert.Equal(JobOutcome.DeadLettered, await processor.ProcessNextAsync(TimeSpan.FromSeconds(5)));

        // A stored job whose message names an architecture the engine cannot build.
        var spec = new SweepSpec();
        var sweep = new SweepRecord("badarch", "bad", spec, DateTimeOffset.UtcNow, SweepState.Active, 1, 0);
        var message = JobMessage.ForModel(sweep.Id, new ModelSpec("vgg", 16, "fashion-mnist", 0, true, null, new TrainSettings()));
        await env.Platform.Storage.AddJobsAsync([message]);
        await env.Platform.Storage.AddSweepAsync(sweep);
        await env.Platform.Queue.SendBatchAsync([message]);

        Assert.Equal(JobOutcome.DeadLettered, await processor.ProcessNextAsync(TimeSpan.FromSeconds(5)));

        var poison = (await env.Queue.Poison.ReceiveMessagesAsync(10)).Value
            .Select(m => JsonSerializer.Deserialize(m.Body.ToString(), PlatformJsonContext.Default.DeadLetterEnvelope)!).ToList();
        Assert.Equal(["InvalidJob", "MalformedMessage"], poison.Select(p => p.Reason).Order());
        Assert.Contains(poison, p => p.Body == "this is not json");
        var row = await env.Platform.Storage.GetJobAsync(sweep.Id, message.JobId);
        Assert.Equal(JobState.Failed, row!.State);
        Assert.Contains("Unknown architecture 'vgg'", row.Error);
    }

    [AzuriteFact]
    public async Task A_job_that_keeps_failing_is_retried_then_dead_lettered_and_reported_as_failed()
    {
        await using var env = await TestPlatform.CreateAsync(maxDeliveries: 2);
        var id = await SubmitAsync(env);

        var outcomes = await TestPlatform.DrainAsync(env.Processor(new FakeExecutor(failModels: true)));

        Assert.Equal(2, outcomes.Count(o => o == JobOutcome.Retried));
        Assert.Equal(2, outcomes.Count(o => o == JobOutcome.DeadLettered));
        var status = (await Http.ExecuteAsync(await new GetSweep(env.Platform.Queries).RunAsync(Http.Request(), id, default))).Json;
        Assert.Equal(6, status.GetProperty("failed").GetInt32()); // 2 models, and the 4 stitches that needed them
        Assert.Equal(0, status.GetProperty("queued").GetInt32());
        Assert.True(status.GetProperty("finished").GetBoolean());
        Assert.All(status.GetProperty("failures").EnumerateArray(), f => Assert.Contains("CUDA out of memory (fake)", f.GetProperty("error").GetString()));
        Assert.Equal(4, status.GetProperty("failures").EnumerateArray().Count(f => f.GetProperty("error").GetString()!.StartsWith("model ", StringComparison.Ordinal)));
        Assert.Equal(2, (await env.Queue.Poison.PeekMessagesAsync(10)).Value.Length);
    }

    [AzuriteFact]
    public async Task Cancel_marks_queued_jobs_cancelled_and_workers_skip_them()
    {
        await using var env = await TestPlatform.CreateAsync();
        var id = await SubmitAsync(env);
        var executor = new FakeExecutor();

        var cancelled = await Http.ExecuteAsync(await new CancelSweep(env.Platform.Coordinator, env.Platform.Queries).RunAsync(Http.Request("POST"), id, default));
        var outcomes = await TestPlatform.DrainAsync(env.Processor(executor));

        Assert.Equal(200, cancelled.Status);
        Assert.Equal("Cancelled", cancelled.Json.GetProperty("state").GetString());
        Assert.Equal(6, cancelled.Json.GetProperty("cancelled").GetInt32());
        Assert.Equal([JobOutcome.Cancelled, JobOutcome.Cancelled], outcomes);
        Assert.Empty(executor.Models);
        Assert.Equal(0, await env.Platform.Coordinator.FanOut.FanOutAsync(id));
        var missing = await Http.ExecuteAsync(await new CancelSweep(env.Platform.Coordinator, env.Platform.Queries).RunAsync(Http.Request("POST"), "nosuchsweep", default));
        Assert.Equal(404, missing.Status);
    }
}
