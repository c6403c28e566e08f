using System.Text.Json;
using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Platform.Processing;
using Stitching.Reporting.Tables;

namespace Stitching.Platform.Tests;

/// <summary>One JSON context for tables and API, and a result's provenance from the runner to the result endpoint.</summary>
public sealed class ProvenanceAndJsonTests
{
    private static readonly Provenance Run = new(new string('a', 40), true, "0.105.0.0", "libtorch-cpu-linux-x64 2.10.0", "cpu", "test cpu", "fp32", ".NET");

    [AzuriteFact]
    public async Task A_diverged_stitchs_NaN_loss_round_trips_through_the_result_table_and_the_api_with_its_provenance()
    {
        // Given a stored result whose loss diverged (NaN, its interval infinite) and the provenance record its row refers to
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        var result = new StitchResult("trained->trained", "resnet(1,1,1,1)", "stem", "resnet(1,1,1,1)", "2.0", "conv1x1", 100, 30, 1000, 0.1, double.NaN, 1.5,
            AccuracyHigh: double.PositiveInfinity, ProvenanceId: Run.Id);
        const string stitchId = "stitch-trained-trained-stem-2.0-s0-0123456789abcdef";
        await env.Platform.Storage.UpsertProvenanceAsync(Run);
        await env.Platform.Storage.UpsertResultAsync(id, new StoredResult(stitchId, result, "runner-7"));

        // When the table and the result endpoint read it back
        var row = await env.Platform.Storage.GetResultAsync(id, stitchId);
        var api = await Http.ExecuteAsync(await new GetResult(env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(), id, stitchId, default));

        // Then the NaN and the infinity survive both, and the endpoint shows the run's provenance
        Assert.True(double.IsNaN(row!.Result.Loss));
        Assert.Equal(double.PositiveInfinity, row.Result.AccuracyHigh);
        Assert.Equal(Run, row.Provenance);
        Assert.Equal(200, api.Status);
        Assert.Equal("NaN", api.Json.GetProperty("result").GetProperty("loss").GetString());
        Assert.Equal("Infinity", api.Json.GetProperty("result").GetProperty("accuracyHigh").GetString());
        Assert.Equal(Run.Id, api.Json.GetProperty("result").GetProperty("provenanceId").GetString());
        Assert.Equal(Run.Commit, api.Json.GetProperty("provenance").GetProperty("commit").GetString());
        Assert.True(api.Json.GetProperty("provenance").GetProperty("dirty").GetBoolean());
        var back = JsonSerializer.Deserialize(api.Body, PlatformJsonContext.Default.StoredResult)!;
        Assert.True(double.IsNaN(back.Result.Loss));
    }

    [AzuriteFact]
    public async Task Every_row_a_runner_stores_for_a_sweep_carries_the_same_provenance_id_and_the_record_is_stored_once()
    {
        // Given a sweep processed by an executor that stamps its provenance on every result, as the engine does
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        await TestPlatform.DrainAsync(env.Processor(new StampingExecutor(new FakeExecutor(), Run)));

        // When its rows and one row's endpoint are read
        var rows = await env.Platform.Storage.ListResultsAsync(id).ToListAsync();
        var one = await Http.ExecuteAsync(await new GetResult(env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(), id, rows[0].StitchId, default));

        // Then every row refers to the one record, which the endpoint shows
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.Equal(Run.Id, r.Result.ProvenanceId));
        Assert.Equal(Run, await env.Platform.Storage.GetProvenanceAsync(Run.Id));
        Assert.Equal(Run.TorchSharp, one.Json.GetProperty("provenance").GetProperty("torchSharp").GetString());
    }

    [AzuriteFact]
    public async Task A_dry_runs_estimate_without_a_price_leaves_the_cost_out_instead_of_writing_null()
    {
        // Given the API's JSON options (AddStitching) and a spec
        await using var env = await TestPlatform.CreateAsync();
        var spec = JsonSerializer.Serialize(new SweepSpec(), PlatformJsonContext.Default.SweepSpec);

        // When it is dry-run without a GPU price
        var dry = await Http.ExecuteAsync(await new SubmitSweep(env.Platform.Coordinator).RunAsync(Http.Request("POST", spec, "?dryRun=true"), default));

        // Then the estimate is camelCase like every other body and no time carries a null cost
        Assert.True(dry.Status == 200, dry.Body);
        Assert.All(dry.Json.GetProperty("times").EnumerateArray(), t => Assert.False(t.TryGetProperty("cost", out _)));
        Assert.DoesNotContain("null", dry.Body);
    }

    /// <summary>The fake engine, with the provenance id on its results and the record behind it, as <c>EngineJobExecutor</c> does.</summary>
    private sealed class StampingExecutor(FakeExecutor inner, Provenance provenance) : IJobExecutor
    {
        public async Task<ModelResult> TrainModelAsync(ModelSpec model, string checkpointDirectory, CancellationToken ct) =>
            await inner.TrainModelAsync(model, checkpointDirectory, ct) with { ProvenanceId = provenance.Id };

        public async Task<StitchJobResult> TrainStitchesAsync(SweepSpec spec, IReadOnlyList<StitchTask> tasks, string checkpointDirectory, CancellationToken ct)
        {
            var trained = await inner.TrainStitchesAsync(spec, tasks, checkpointDirectory, ct);
            return trained with { Results = trained.Results.Select(r => r with { ProvenanceId = provenance.Id }).ToList() };
        }

        public Provenance? FindProvenance(string provenanceId) => provenanceId == provenance.Id ? provenance : null;
    }
}
