using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Sweeps;
using Stitching.Functions;
using Stitching.Functions.Sweeps;

namespace Stitching.Platform.Tests;

/// <summary>
/// The API with a replica timeout set low, as <c>Stitching:Limits:ReplicaTimeoutSeconds</c> mirrors the runner job's:
/// stitch jobs are sized down until each fits, and a sweep whose single unit cannot fit is refused with the numbers on
/// both routes (the admin's too: a timeout is not a budget). Real Azurite; the table rows are what runners would get.
/// </summary>
public sealed class ReplicaTimeoutSubmissionTests
{
    /// <summary>One trained pair, 2 x 2 layers, all four stitches in one job by default (stitchesPerJob 64); stitches long, the model short.</summary>
    private static readonly string Grouped = Grouping(modelEpochs: 1, stitchEpochs: 50);

    private static string Grouping(int modelEpochs, int stitchEpochs)
    {
        var node = JsonNode.Parse(Specs.Small)!.AsObject();
        node.Remove("stitchesPerJob");
        node["model"] = new JsonObject { ["epochs"] = modelEpochs };
        node["stitch"] = new JsonObject { ["epochs"] = stitchEpochs };
        return node.ToJsonString();
    }

    private static JobFit Fit(string spec, SweepLimitOptions limits) =>
        JobFit.Size(SweepPlan.Create(System.Text.Json.JsonSerializer.Deserialize(spec, SweepSpecJson.TypeInfo)!), DatasetInfo.BuiltIn("fashion-mnist")!, limits).Fit;

    [AzuriteFact]
    public async Task A_low_replica_timeout_sizes_stitch_jobs_down_and_the_stored_spec_and_job_rows_follow()
    {
        // Given an API whose replica timeout leaves a budget between one stitch's estimate and the whole group's
        await using var env = await TestPlatform.CreateAsync();
        var unlimited = Fit(Grouped, new SweepLimitOptions());
        var limits = new SweepLimitOptions { ReplicaTimeoutSeconds = unlimited.LongestStitchJobSeconds * 0.6 / 0.5 };
        Assert.True(unlimited.LongestModelJobSeconds < limits.JobBudgetSeconds, $"the test's model must fit: {unlimited}");
        var submit = new SubmitSweep(env.Platform.Coordinator, Options.Create(limits));

        // When the grouped sweep is estimated, then submitted
        var dry = await Http.ExecuteAsync(await submit.RunAsync(Http.Request("POST", Grouped, "?dryRun=true"), default));
        var accepted = await Http.ExecuteAsync(await submit.RunAsync(Http.Request("POST", Grouped), default));

        // Then the dry run states the sizing with its numbers
        Assert.True(dry.Status == 200, dry.Body);
        var jobs = dry.Json.GetProperty("jobs");
        Assert.Equal(64, jobs.GetProperty("requestedStitchesPerJob").GetInt32());
        var perJob = jobs.GetProperty("stitchesPerJob").GetInt32();
        Assert.InRange(perJob, 1, 3);
        Assert.Equal(limits.ReplicaTimeoutSeconds, jobs.GetProperty("replicaTimeoutSeconds").GetDouble());
        Assert.InRange(jobs.GetProperty("longestStitchJobSeconds").GetDouble(), 0, limits.JobBudgetSeconds);
        Assert.False(jobs.TryGetProperty("problem", out _));
        // And the sweep is queued in more than one stitch job, the stored spec carrying the size, so every later plan agrees
        Assert.True(accepted.Status == 202, accepted.Body);
        var id = accepted.Json.GetProperty("sweepId").GetString()!;
        Assert.Equal(dry.Json.GetProperty("stitchJobs").GetInt32(), accepted.Json.GetProperty("stitchJobs").GetInt32());
        Assert.True(accepted.Json.GetProperty("stitchJobs").GetInt32() > 1, accepted.Body);
        var sweep = await env.Platform.Storage.GetSweepAsync(id);
        Assert.Equal(perJob, sweep!.Spec.StitchesPerJob);
        var rows = (await env.Platform.Storage.ListJobsAsync(id).ToListAsync()).Where(j => j.Kind == JobKind.Stitch).ToList();
        Assert.Equal(accepted.Json.GetProperty("stitchJobs").GetInt32(), rows.Count);
        Assert.All(rows, r => Assert.InRange(r.Message.Stitches!.Count, 1, perJob));
        Assert.Equal(4, rows.Sum(r => r.Message.Stitches!.Count));
    }

    [AzuriteFact]
    public async Task A_model_that_cannot_fit_the_replica_timeout_is_refused_with_its_estimate_and_the_limit_on_both_routes()
    {
        // Given an API with a 4 s replica timeout and a sweep whose base model trains for 200 epochs
        await using var env = await TestPlatform.CreateAsync();
        var limits = Options.Create(new SweepLimitOptions { ReplicaTimeoutSeconds = 4 });
        var spec = Grouping(modelEpochs: 200, stitchEpochs: 1);
        var estimated = Fit(spec, limits.Value).LongestModelJobSeconds;
        Assert.True(estimated > 2, $"the test's model must not fit: {estimated} s");

        // When it is submitted on the function-key route and on the admin's
        foreach (var route in new Func<Task<Microsoft.AspNetCore.Http.IResult>>[]
                 {
                     async () => (await new SubmitSweep(env.Platform.Coordinator, limits).RunAsync(Http.Request("POST", spec), default)).Result,
                     async () => (await new SubmitSweepOverLimits(env.Platform.Coordinator, limits).RunAsync(Http.Request("POST", spec), default)).Result,
                 })
        {
            var refused = await Http.ExecuteAsync(await route());
            Assert.True(refused.Status != 400, refused.Body);

            // Then it is refused with the unit, its estimate and the limit, in words and as numbers, and nothing is stored
            Assert.Equal(422, refused.Status);
            Assert.Contains("problem+json", refused.ContentType);
            var detail = refused.Json.GetProperty("detail").GetString()!;
            Assert.Contains($"Model job resnet1-1-1-1-w{new SweepSpec().Width}", detail); // Specs.Small leaves the width at its default
            Assert.Contains("200 epochs", detail);
            Assert.Contains("one job may take 2 s, 50% of the runner's 4 s replica timeout", detail);
            Assert.Equal(estimated, refused.Json.GetProperty("estimatedSeconds").GetDouble());
            Assert.Equal((2.0, 4.0), (refused.Json.GetProperty("jobBudgetSeconds").GetDouble(), refused.Json.GetProperty("replicaTimeoutSeconds").GetDouble()));
            Assert.Contains("T4", refused.Json.GetProperty("deviceClass").GetString());
        }
        Assert.Empty(await env.Platform.Storage.ListSweepsAsync().ToListAsync());
        Assert.Equal(0, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public void The_replica_timeout_is_bound_from_configuration()
    {
        var bound = new ServiceCollection().AddLogging()
            .AddStitching(new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create("Stitching:Limits:ReplicaTimeoutSeconds", (string?)"900")]).Build())
            .BuildServiceProvider().GetRequiredService<IOptions<SweepLimitOptions>>().Value;

        Assert.Equal(900, bound.ReplicaTimeoutSeconds);
        Assert.Equal(450, bound.JobBudgetSeconds);
    }
}
