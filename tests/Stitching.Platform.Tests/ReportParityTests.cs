using System.Text.Json;
using Stitching.Domain.Analysis;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Functions.Sweeps;
using Stitching.Reporting.Rendering;

namespace Stitching.Platform.Tests;

/// <summary>
/// One report builder (<see cref="SweepReport"/>): the API serves every matrix and the patterns a local sweep writes
/// (matrix-{slug}.json, patterns.json, patterns.md), built from the same rows by the same code, so the numbers cannot
/// differ between a local folder and a platform sweep.
/// </summary>
public sealed class ReportParityTests
{
    // All four variants and two network pairs, so the controls, the interaction and the patterns all have what they need.
    private const string Spec = """
        {
          "name": "report parity",
          "senders": ["resnet(1,1,1,1)"],
          "receivers": ["resnet(1,1,1,1)"],
          "variants": ["all"],
          "senderLayers": ["stem", "1.0", "2.0"],
          "receiverLayers": ["2.0", "3.0", "4.0"],
          "senderSeeds": [0, 2],
          "receiverSeeds": [1, 3],
          "trainLimit": 1000
        }
        """;

    [AzuriteFact]
    public async Task The_api_serves_every_matrix_and_the_patterns_a_local_sweep_writes_from_the_same_rows()
    {
        // Given a stored sweep whose accuracies differ by variant, layer and seed
        await using var env = await TestPlatform.CreateAsync();
        var id = await ResultsExportTests.StoreAsync(env, Spec, t =>
            0.3 + 0.1 * (int)t.Variant + 0.05 * t.SenderLayer.Length + 0.02 * t.ReceiverLayer[0] % 5 + 0.01 * t.Sender.Seed);
        var plan = SweepPlan.Create((await env.Platform.Storage.GetSweepAsync(id))!.Spec);
        var rows = (await env.Platform.Storage.ListResultsAsync(id).ToListAsync()).Select(r => ((string?)r.StitchId, r.Result)).ToList();
        var local = SweepReport.Build(plan, plan.Pairs[0], rows);
        var matrices = new GetMatrix(env.Platform.Results);

        // Then every matrix a local sweep writes as matrix-{slug} is served under that name, as the same JSON, and renders
        Assert.Equal(SweepReport.Slugs.Order(), local.AllMatrices().Select(m => m.Slug).Order());
        foreach (var (slug, matrix) in local.AllMatrices())
        {
            var json = await Http.ExecuteAsync(await matrices.RunAsync(Http.Request(query: $"?variant={slug}"), id, default));
            Assert.True(json.Status == 200, $"{slug}: {json.Body}");
            Assert.Equal(JsonSerializer.Serialize(matrix, PlatformJsonContext.Default.SimilarityMatrix), json.Body);
            var svg = await Http.ExecuteAsync(await matrices.RunAsync(Http.Request(query: $"?variant={slug}&format=svg"), id, default));
            Assert.Equal(200, svg.Status);
            Assert.Equal("svg", System.Xml.Linq.XDocument.Parse(svg.Body).Root!.Name.LocalName);
        }

        // And the patterns, as patterns.json and patterns.md
        var patterns = new GetPatterns(env.Platform.Results);
        var verdicts = await Http.ExecuteAsync(await patterns.RunAsync(Http.Request(), id, default));
        Assert.Equal(JsonSerializer.Serialize(local.Patterns, PlatformJsonContext.Default.IReadOnlyListPatternVerdict), verdicts.Body);
        Assert.Equal(4, verdicts.Json.GetArrayLength());
        var markdown = await Http.ExecuteAsync(await patterns.RunAsync(Http.Request(query: "?format=md"), id, default));
        Assert.Equal(PatternsMarkdown.Write(local.Patterns, local.Interaction), markdown.Body);

        // And a name no sweep writes is refused with the names there are
        var unknown = await Http.ExecuteAsync(await matrices.RunAsync(Http.Request(query: "?variant=trained-trained-minus-nothing"), id, default));
        Assert.Equal(400, unknown.Status);
        Assert.Contains("interaction", unknown.Body, StringComparison.Ordinal);
    }
}
