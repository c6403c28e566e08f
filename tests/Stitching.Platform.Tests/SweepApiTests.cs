using System.Text.Json;
using Azure.Storage.Queues;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Functions.Sweeps;
using Stitching.Platform;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Tests;

public sealed class SweepApiTests
{
    [AzuriteFact]
    public async Task Submit_stores_one_row_per_job_and_queues_only_the_model_jobs()
    {
        await using var env = await TestPlatform.CreateAsync();

        var response = await Http.ExecuteAsync(await new SubmitSweep(env.Platform.Coordinator).RunAsync(Http.Request("POST", Specs.Small), default));

        Assert.Equal(202, response.Status);
        var id = response.Json.GetProperty("sweepId").GetString()!;
        Assert.EndsWith($"/api/sweeps/{id}", response.Headers.Location.ToString());
        var jobs = await env.Platform.Storage.ListJobsAsync(id).ToListAsync();
        Assert.Equal(2, jobs.Count(j => j.Kind == JobKind.Model && j.Sent && j.State == JobState.Queued));
        Assert.Equal(4, jobs.Count(j => j.Kind == JobKind.Stitch && !j.Sent));
        var queued = (await env.Queue.Queue.PeekMessagesAsync(32)).Value;
        Assert.Equal(2, queued.Length);
        Assert.All(queued, m => Assert.Equal(JobKind.Model, JobMessageParser.Parse(m.Body.ToString()).Message!.Kind));
    }

    [Fact]
    public async Task Bad_spec_gets_400_problem_details_with_field_paths()
    {
        var coordinator = OfflinePlatform().Coordinator;
        const string bad = """{ "senders": ["resnet18", "vgg"], "width": 0, "variants": ["sideways"], "stitch": { "epochs": 0 }, "dataset": "mnist", "trainLimit": 5, "senderLayers": ["9.9"] }""";

        var response = await Http.ExecuteAsync(await new SubmitSweep(coordinator).RunAsync(Http.Request("POST", bad), default));

        Assert.Equal(400, response.Status);
        Assert.Contains("problem+json", response.ContentType);
        var errors = response.Json.GetProperty("errors");
        foreach (var field in new[] { "senders[1]", "width", "variants[0]", "stitch.epochs", "dataset", "trainLimit", "senderLayers[0]" })
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {response.Body}");
        Assert.Contains("Unknown architecture 'vgg'", errors.GetProperty("senders[1]")[0].GetString());
    }

    [Theory]
    [InlineData("not json", 400)]
    [InlineData("", 400)]
    [InlineData("""{ "senders": null }""", 400)]
    public async Task Unreadable_body_gets_a_problem(string body, int status)
    {
        var response = await Http.ExecuteAsync(await new SubmitSweep(OfflinePlatform().Coordinator).RunAsync(Http.Request("POST", body), default));
        Assert.Equal(status, response.Status);
        Assert.Contains("problem+json", response.ContentType);
    }

    [Theory]
    [InlineData("""{ "stitch": { "optimizer": "adamw" } }""", "$.stitch.optimizer", "sgd or adam")]
    [InlineData("""{ "model": { "randomInit": "xavier" } }""", "$.model.randomInit", "kaiming or pytorch")]
    public async Task An_unknown_setting_name_gets_a_400_naming_the_field_and_the_allowed_names(string body, string field, string allowed)
    {
        var response = await Http.ExecuteAsync(await new SubmitSweep(OfflinePlatform().Coordinator).RunAsync(Http.Request("POST", body), default));
        Assert.Equal(400, response.Status);
        Assert.Contains("problem+json", response.ContentType);
        var detail = response.Json.GetProperty("detail").GetString();
        Assert.Contains(field, detail);
        Assert.Contains(allowed, detail);
    }

    [Fact]
    public async Task Body_over_64_KB_is_refused_with_413()
    {
        var body = "{\"name\":\"" + new string('x', 70_000) + "\"}";
        var response = await Http.ExecuteAsync(await new SubmitSweep(OfflinePlatform().Coordinator).RunAsync(Http.Request("POST", body), default));
        Assert.Equal(413, response.Status);
    }

    [Theory]
    [InlineData("..")]
    [InlineData("../sweeps")]
    [InlineData("%2e%2e")]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("a#b")]
    [InlineData("a?b")]
    [InlineData("a\u0001b")]
    [InlineData("a\nb")]
    [InlineData("")]
    public async Task Unsafe_ids_are_refused_before_storage_is_touched(string id)
    {
        // The platform points at a closed port: touching storage would throw instead of answering 400.
        var platform = OfflinePlatform();
        var responses = new[]
        {
            await new GetSweep(platform.Queries).RunAsync(Http.Request(), id, default),
            (Microsoft.AspNetCore.Http.IResult)await new CancelSweep(platform.Coordinator, platform.Queries).RunAsync(Http.Request("POST"), id, default),
            await new GetResults(platform.Results, platform.Storage).RunAsync(Http.Request(), id, default),
            await new GetMatrix(platform.Results).RunAsync(Http.Request(), id, default),
            await new GetReport(platform.Queries, platform.Results, platform.Storage).RunAsync(Http.Request(), id, default),
            await new GetResult(platform.Results, platform.Storage).RunAsync(Http.Request(), id, "stitch-a", default),
            await new GetResult(platform.Results, platform.Storage).RunAsync(Http.Request(), "0123456789abcdef", id, default),
            await new CompareSweeps(platform.Results).RunAsync(Http.Request(), id, "ok", default),
            await new CompareSweeps(platform.Results).RunAsync(Http.Request(), "ok", id, default),
        };
        foreach (var r in responses) Assert.Equal(400, (await Http.ExecuteAsync(r)).Status);
        Assert.False(StorageIds.IsValid(id));
    }

    [Fact]
    public void Functions_metadata_lists_every_endpoint_with_function_auth_but_the_admin_submission_and_the_recovery_timer()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(root, "Stitching.sln"))) root = Path.GetDirectoryName(root)!;
        var file = Directory.GetFiles(Path.Combine(root, "src", "Functions", "bin"), "functions.metadata", SearchOption.AllDirectories)
            .OrderByDescending(File.GetLastWriteTimeUtc).First();
        var all = JsonDocument.Parse(File.ReadAllText(file)).RootElement.EnumerateArray()
            .ToDictionary(f => f.GetProperty("name").GetString()!, f => f.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)));
        var functions = all.Where(f => f.Value.GetProperty("type").GetString() == "httpTrigger").ToDictionary();
        // The recovery pass runs on a timer, not in a runner or after an HTTP answer.
        Assert.Equal("timerTrigger", all["RecoverSweeps"].GetProperty("type").GetString());
        Assert.Equal(Stitching.Functions.Maintenance.RecoverSweeps.Schedule, all["RecoverSweeps"].GetProperty("schedule").GetString());
        Assert.Equal(15, all.Count);

        var expected = new Dictionary<string, (string Route, string Method)>
        {
            ["SubmitSweep"] = ("sweeps", "post"),
            ["SubmitSweepOverLimits"] = ("sweeps/over-limits", "post"),
            ["ListSweeps"] = ("sweeps", "get"),
            ["GetSweep"] = ("sweeps/{id}", "get"),
            ["GetResults"] = ("sweeps/{id}/results", "get"),
            ["GetResult"] = ("sweeps/{id}/results/{stitchId}", "get"),
            ["GetMatrix"] = ("sweeps/{id}/matrix", "get"),
            ["GetPatterns"] = ("sweeps/{id}/patterns", "get"),
            ["GetReport"] = ("sweeps/{id}/report", "get"),
            ["CompareSweeps"] = ("sweeps/{a}/compare/{b}", "get"),
            ["ExportResults"] = ("results", "get"),
            ["GetOpenApi"] = ("openapi.json", "get"),
            ["CancelSweep"] = ("sweeps/{id}/cancel", "post"),
            ["RetrySweep"] = ("sweeps/{id}/retry", "post"),
        };
        Assert.Equal(expected.Keys.Order(), functions.Keys.Order());
        foreach (var (name, (route, method)) in expected)
        {
            // Waiving the submission limits is the admin's (the host's master key); everything else takes a function key.
            Assert.Equal(name == "SubmitSweepOverLimits" ? "Admin" : "Function", functions[name].GetProperty("authLevel").GetString());
            Assert.Equal(route, functions[name].GetProperty("route").GetString());
            Assert.Equal([method], functions[name].GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        }
    }

    /// <summary>
    /// A platform whose storage endpoints are a closed port, for tests that must not reach storage. Its key is made
    /// up (nothing checks it), so the repository holds no account key, not even Azurite's well-known one.
    /// </summary>
    internal static StitchingPlatform OfflinePlatform() => StitchingPlatform.Create(
        new StitchingStorageOptions { ConnectionString = $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={Convert.ToBase64String(new byte[64])};BlobEndpoint=http://127.0.0.1:9/a;QueueEndpoint=http://127.0.0.1:9/a;TableEndpoint=http://127.0.0.1:9/a;" },
        new JobQueueOptions());
}
