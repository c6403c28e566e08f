using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Platform.Tests;

/// <summary>A stitch's held-out curve travels with its result: through the results table, the results endpoints and the cell page.</summary>
public sealed class ResultCurveTests
{
    [AzuriteFact]
    public async Task A_stored_curve_comes_back_thinned_through_the_table_and_the_api_with_runner_and_checkpoint()
    {
        // Given a sweep and a result whose curve has a check every quarter epoch for 30 epochs (121 points, as the default recipe makes)
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        var curve = Enumerable.Range(0, 121).Select(i => new CurvePoint(i / 4.0, 2.3 / (1 + i / 10.0), 0.1 + 0.8 * i / 120.0)).ToList();
        var result = new StitchResult("trained->trained", "resnet(1,1,1,1)", "stem", "resnet(1,1,1,1)", "2.0", "conv1x1", 100, 30, 1000, 0.9, 0.3, 1.5, Curve: curve);
        const string stitchId = "stitch-trained-trained-stem-2.0-s0-0123456789abcdef";

        // When the runner's path stores it and the API reads it back
        await env.Platform.Storage.UpsertResultAsync(id, new StoredResult(stitchId, result, "runner-7", "checkpoints/stitches/x.bin"));
        var one = await Http.ExecuteAsync(await new GetResult(env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(), id, stitchId, default));
        var all = await Http.ExecuteAsync(await new GetResults(env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(), id, default));
        var page = await Http.ExecuteAsync(await new GetResult(env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(query: "?format=html"), id, stitchId, default));
        var missing = await Http.ExecuteAsync(await new GetResult(env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(), id, "stitch-none", default));

        // Then the curve is there, thinned to a plot's worth, from the initialization to where training stopped
        Assert.Equal(200, one.Status);
        var stored = one.Json.GetProperty("result").GetProperty("curve").EnumerateArray().ToList();
        Assert.Equal(TrainingCurve.MaxPoints, stored.Count);
        Assert.Equal(0, stored[0].GetProperty("epoch").GetDouble());
        Assert.Equal(30, stored[^1].GetProperty("epoch").GetDouble());
        Assert.Equal(Math.Round(curve[^1].Loss, 4), stored[^1].GetProperty("loss").GetDouble());
        Assert.Equal(0.9, stored[^1].GetProperty("accuracy").GetDouble(), 6);
        Assert.Equal("runner-7", one.Json.GetProperty("runner").GetString());
        Assert.Equal("checkpoints/stitches/x.bin", one.Json.GetProperty("checkpoint").GetString());
        // ... the listing carries the same row, and the stored record reads back with the same curve
        Assert.Equal(TrainingCurve.MaxPoints, all.Json[0].GetProperty("result").GetProperty("curve").GetArrayLength());
        var row = await env.Platform.Storage.GetResultAsync(id, stitchId);
        Assert.Equal(TrainingCurve.Thin(curve), row!.Result.Curve);
        // ... the cell page draws it and names where it ran; an unknown stitch is a 404
        Assert.Equal(200, page.Status);
        Assert.Equal(2, CountOf(page.Body, "<polyline"));
        Assert.Contains("runner-7", page.Body);
        Assert.Contains("checkpoints/stitches/x.bin", page.Body);
        Assert.Equal(404, missing.Status);
    }

    [AzuriteFact]
    public async Task The_matrix_links_each_trained_cell_to_its_result_row()
    {
        // Given a processed sweep
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        await TestPlatform.DrainAsync(env.Processor(new FakeExecutor()));

        // When the matrix is read through the API
        var matrix = await Http.ExecuteAsync(await new GetMatrix(env.Platform.Results).RunAsync(Http.Request(), id, default));

        // Then every cell names a stitch whose row the result endpoint answers, with the runner that stored it and its uploaded checkpoint
        var ids = matrix.Json.GetProperty("stitchIds").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(e => e.GetString()!).ToList();
        Assert.Equal(4, ids.Distinct().Count());
        foreach (var stitchId in ids)
        {
            var row = await Http.ExecuteAsync(await new GetResult(env.Platform.Results, env.Platform.Storage).RunAsync(Http.Request(), id, stitchId, default));
            Assert.Equal(200, row.Status);
            Assert.Equal("w1", row.Json.GetProperty("runner").GetString());
            Assert.True(row.Json.GetProperty("result").GetProperty("curve").GetArrayLength() > 0);
            var checkpoint = row.Json.GetProperty("checkpoint").GetString()!;
            Assert.Equal($"{env.Platform.Checkpoints.Container.Name}/stitches/{id}/{stitchId}.bin", checkpoint);
            Assert.True(await env.Platform.Checkpoints.Container.GetBlobClient(checkpoint[(checkpoint.IndexOf('/') + 1)..]).ExistsAsync());
        }
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "").Length) / part.Length;
}
