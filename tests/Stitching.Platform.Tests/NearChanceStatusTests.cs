using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Platform.Tests;

/// <summary>The status warns when a trained base model of the sweep scores near chance: its matrices measure nothing.</summary>
public sealed class NearChanceStatusTests
{
    [AzuriteFact]
    public async Task Status_warns_about_each_trained_model_near_chance_and_only_about_those()
    {
        // Given a sweep whose trained sender (seed 0) scored 11.2% and whose receiver (seed 1) 90%
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        var sweep = (await env.Platform.Storage.GetSweepAsync(id))!;
        var models = SweepPlan.Create(sweep.Spec).Models.ToList();
        Assert.Equal(2, models.Count);
        foreach (var m in models)
            await env.Platform.Storage.UpsertModelAsync(m.Key, new ModelResult(m.Arch, m.Width, m.Dataset, m.Seed, true, 1, 1000, m.Seed == 0 ? 0.112 : 0.9, 2.2));

        // When its status is read
        var status = await Http.ExecuteAsync(await new GetSweep(env.Platform.Queries).RunAsync(Http.Request(), id, default));

        // Then it carries one warning, naming the model, its accuracy and chance
        Assert.Equal(200, status.Status);
        var warning = Assert.Single(status.Json.GetProperty("warnings").EnumerateArray()).GetString()!;
        Assert.StartsWith("trained resnet(1,1,1,1) (seed 0) scores 11.2%, near chance (10%): its matrices measure nothing.", warning);
    }

    [AzuriteFact]
    public async Task Status_has_no_warnings_while_no_model_is_trained()
    {
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();

        var status = await Http.ExecuteAsync(await new GetSweep(env.Platform.Queries).RunAsync(Http.Request(), id, default));

        Assert.Empty(status.Json.GetProperty("warnings").EnumerateArray());
    }
}
