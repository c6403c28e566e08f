using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Stitching.Domain.Sweeps;
using Stitching.Functions;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Platform.Tests;

/// <summary>
/// A submission over <see cref="SweepLimitOptions"/> is refused, stating its estimate and the limits; only the admin
/// route (<see cref="SubmitSweepOverLimits"/>, the host's master key) queues it, and a function key's
/// <c>acceptEstimate=true</c> gets 403 saying so. <see cref="Specs.Small"/> has 4 stitches.
/// </summary>
public sealed class SubmissionLimitTests
{
    [AzuriteFact]
    public async Task A_sweep_over_the_stitch_limit_is_refused_to_a_function_key_and_queued_only_by_the_admin_route()
    {
        // Given an API that takes at most 3 stitches per submission
        await using var env = await TestPlatform.CreateAsync();
        var limits = Options.Create(new SweepLimitOptions { MaxStitches = 3 });
        var submit = new SubmitSweep(env.Platform.Coordinator, limits);

        // When the 4-stitch sweep is submitted, also with acceptEstimate=false
        foreach (var query in new[] { "", "?acceptEstimate=false" })
        {
            var refused = await Http.ExecuteAsync(await submit.RunAsync(Http.Request("POST", Specs.Small, query), default));

            // Then it is refused with a problem stating the estimate, the limits and the way on, and nothing was stored or queued
            Assert.Equal(422, refused.Status);
            Assert.Contains("problem+json", refused.ContentType);
            var detail = refused.Json.GetProperty("detail").GetString()!;
            Assert.Contains("estimated at 4 stitches", detail);
            Assert.Contains("the limits are 3 stitches and 24.0 GPU hours", detail);
            Assert.Contains("POST /api/sweeps/over-limits with the Function app's master key", detail);
            Assert.Equal((4, 3, 24.0), (refused.Json.GetProperty("stitches").GetInt32(), refused.Json.GetProperty("maxStitches").GetInt32(), refused.Json.GetProperty("maxGpuHours").GetDouble()));
            Assert.True(refused.Json.GetProperty("gpuHours").GetDouble() >= 0);
            Assert.Contains("T4", refused.Json.GetProperty("deviceClass").GetString());
        }

        // And acceptEstimate=true on the function-key route is 403, saying what to use, for this sweep and for one within the limits
        foreach (var limit in new[] { 3, 100 })
        {
            var forbidden = await Http.ExecuteAsync(await new SubmitSweep(env.Platform.Coordinator, Options.Create(new SweepLimitOptions { MaxStitches = limit }))
                .RunAsync(Http.Request("POST", Specs.Small, "?acceptEstimate=true"), default));
            Assert.Equal(403, forbidden.Status);
            Assert.Contains("problem+json", forbidden.ContentType);
            Assert.Contains("an admin submits it to POST /api/sweeps/over-limits with the Function app's master key", forbidden.Json.GetProperty("detail").GetString());
        }
        Assert.Empty(await env.Platform.Storage.ListSweepsAsync().ToListAsync());
        Assert.Equal(0, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // And the admin route queues the same sweep
        var accepted = await Http.ExecuteAsync(await new SubmitSweepOverLimits(env.Platform.Coordinator).RunAsync(Http.Request("POST", Specs.Small), default));
        Assert.True(accepted.Status == 202, accepted.Body);
        Assert.Equal(4, accepted.Json.GetProperty("stitches").GetInt32());
        Assert.Single(await env.Platform.Storage.ListSweepsAsync().ToListAsync());
        Assert.Equal(2, (await env.Queue.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public void Only_the_admin_route_waives_the_limits_and_the_functions_host_lets_only_the_master_key_call_it()
    {
        static AuthorizationLevel Level(Type function) => function.GetMethod("RunAsync")!.GetParameters()
            .Select(p => p.GetCustomAttributes(typeof(HttpTriggerAttribute), false).OfType<HttpTriggerAttribute>().SingleOrDefault())
            .Single(t => t is not null)!.AuthLevel;

        Assert.Equal(AuthorizationLevel.Admin, Level(typeof(SubmitSweepOverLimits)));
        Assert.Equal(AuthorizationLevel.Function, Level(typeof(SubmitSweep)));
    }

    [AzuriteFact]
    public async Task A_sweep_over_the_gpu_hour_limit_is_refused_and_a_dry_run_of_it_still_answers_its_estimate()
    {
        await using var env = await TestPlatform.CreateAsync();
        var submit = new SubmitSweep(env.Platform.Coordinator, Options.Create(new SweepLimitOptions { MaxGpuHours = 1e-9 }));

        var refused = await Http.ExecuteAsync(await submit.RunAsync(Http.Request("POST", Specs.Small), default));
        var dry = await Http.ExecuteAsync(await submit.RunAsync(Http.Request("POST", Specs.Small, "?dryRun=true"), default));

        Assert.Equal(422, refused.Status);
        Assert.Contains("GPU hours on gpu: T4", refused.Json.GetProperty("detail").GetString());
        Assert.Equal(200, dry.Status);
        Assert.Empty(await env.Platform.Storage.ListSweepsAsync().ToListAsync());
    }

    [Fact]
    public void Limits_are_bound_from_configuration_and_a_host_with_nonsense_limits_is_refused()
    {
        static IOptions<SweepLimitOptions> Limits(params (string Key, string Value)[] settings) => new ServiceCollection()
            .AddLogging()
            .AddStitching(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build())
            .BuildServiceProvider()
            .GetRequiredService<IOptions<SweepLimitOptions>>();

        var bound = Limits(("Stitching:Limits:MaxStitches", "7"), ("Stitching:Limits:MaxGpuHours", "0.5"), ("Stitching:Limits:DeviceClass", "a100")).Value;
        Assert.Equal((7, 0.5), (bound.MaxStitches, bound.MaxGpuHours));
        Assert.Equal(new SweepLimitOptions().MaxStitches, Limits().Value.MaxStitches);

        var error = Assert.Throws<OptionsValidationException>(() => Limits(("Stitching:Limits:DeviceClass", "gpu")).Value);
        Assert.Contains("Stitching:Limits:DeviceClass must name one GPU device class", error.Message);
    }
}
