using System.Text.Json;
using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Platform.Tests;

/// <summary><c>POST /api/sweeps?dryRun=true</c>: the real submission's counts, nothing queued or stored.</summary>
public sealed class DryRunTests
{
    [AzuriteFact]
    public async Task A_dry_run_of_the_papers_experiment_counts_what_submission_plans_and_queues_nothing()
    {
        // Given the paper's full experiment (256 ordered pairs of the 16 ResNet(x,x,x,x), every layer pair, 4 variants)
        await using var env = await TestPlatform.CreateAsync();
        var spec = JsonSerializer.Serialize(PlatformBenchmark.PaperExperiment(), PlatformJsonContext.Default.SweepSpec);
        var submit = new SubmitSweep(env.Platform.Coordinator);

        // When it is dry-run, with a GPU price
        var dry = await Http.ExecuteAsync(await submit.RunAsync(Http.Request("POST", spec, "?dryRun=true&pricePerGpuHour=2.5"), default));

        // Then nothing was stored or queued, and the estimate names jobs, FLOPs, memory and a time per device class
        Assert.True(dry.Status == 200, dry.Body);
        Assert.Empty(await env.Platform.Queries.ListAsync(default));
        Assert.Equal(0, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        var estimate = dry.Json;
        Assert.Equal(50_176, estimate.GetProperty("stitches").GetInt32());
        Assert.True(estimate.GetProperty("stitchTflop").GetDouble() > 0);
        Assert.True(estimate.GetProperty("cacheMegabytesPerRunner").GetDouble() > 0);
        var times = estimate.GetProperty("times").EnumerateArray().ToList();
        Assert.Equal(DeviceCalibration.Table.Count, times.Count);
        Assert.All(times, t => Assert.True(t.GetProperty("seconds").GetDouble() > 0));
        Assert.Contains(times, t => t.TryGetProperty("cost", out var c) && c.ValueKind == JsonValueKind.Number && c.GetDouble() > 0);

        // And the real submission, over the default limits and so accepted only by the admin route, plans exactly the jobs the dry run counted
        var real = await Http.ExecuteAsync(await new SubmitSweepOverLimits(env.Platform.Coordinator).RunAsync(Http.Request("POST", spec), default));
        Assert.True(real.Status == 202, real.Body);
        Assert.Equal(estimate.GetProperty("modelJobs").GetInt32(), real.Json.GetProperty("modelJobs").GetInt32());
        Assert.Equal(estimate.GetProperty("stitchJobs").GetInt32(), real.Json.GetProperty("stitchJobs").GetInt32());
        Assert.Equal(estimate.GetProperty("stitches").GetInt32(), real.Json.GetProperty("stitches").GetInt32());
    }

    [AzuriteTheory]
    [InlineData("?dryRun=yes", "dryRun")]
    [InlineData("?dryRun=true&pricePerGpuHour=-1", "pricePerGpuHour")]
    [InlineData("?dryRun=true&pricePerGpuHour=abc", "pricePerGpuHour")]
    [InlineData("?acceptEstimate=yes", "acceptEstimate")]
    [InlineData("?acceptEstimate=1", "acceptEstimate")]
    public async Task Bad_dry_run_parameters_get_a_problem_naming_them(string query, string field)
    {
        await using var env = await TestPlatform.CreateAsync();
        var response = await Http.ExecuteAsync(await new SubmitSweep(env.Platform.Coordinator).RunAsync(Http.Request("POST", Specs.Small, query), default));
        Assert.Equal(400, response.Status);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out _), response.Body);
        Assert.Empty(await env.Platform.Queries.ListAsync(default));
    }

    [AzuriteFact]
    public async Task An_image_folder_sweep_is_estimated_from_its_limits_and_refused_without_them()
    {
        // Given a sweep on a prepared image folder, whose manifest the API cannot read
        await using var env = await TestPlatform.CreateAsync();
        var submit = new SubmitSweep(env.Platform.Coordinator);
        var spec = new SweepSpec { Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], Width = 8, Dataset = "images-flowers" };

        // When it is dry-run without limits, then with them
        var without = await Http.ExecuteAsync(await submit.RunAsync(
            Http.Request("POST", JsonSerializer.Serialize(spec, PlatformJsonContext.Default.SweepSpec), "?dryRun=true"), default));
        var with = await Http.ExecuteAsync(await submit.RunAsync(
            Http.Request("POST", JsonSerializer.Serialize(spec with { TrainLimit = 1000, TestLimit = 200 }, PlatformJsonContext.Default.SweepSpec), "?dryRun=true"), default));

        // Then the first is a problem naming trainLimit and what to give, and the second is estimated on exactly those images
        Assert.Equal(400, without.Status);
        Assert.Contains("gives trainLimit and testLimit", without.Json.GetProperty("errors").GetProperty("trainLimit")[0].GetString());
        Assert.True(with.Status == 200, with.Body);
        Assert.Equal((900, 100, 200), (with.Json.GetProperty("trainImages").GetInt32(), with.Json.GetProperty("holdoutImages").GetInt32(),
            with.Json.GetProperty("testImages").GetInt32()));
        Assert.Empty(await env.Platform.Queries.ListAsync(default));
    }
}
