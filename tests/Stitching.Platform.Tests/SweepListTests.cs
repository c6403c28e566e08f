using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Functions.Sweeps;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Tests;

/// <summary><c>GET /api/sweeps</c>: tags and description from submission, filters, and paging by continuation token.</summary>
public sealed class SweepListTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [AzuriteFact]
    public async Task Tags_and_description_given_at_submission_come_back_in_the_listing_and_the_status()
    {
        // Given a sweep submitted with tags and a description
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync(Specs.Small.Replace("\"name\":", """ "tags": ["Baseline", "fig-3.b"], "description": "Self-stitch of the\nsmallest net", "name":"""));

        // When it is listed and its status read
        var list = await ListAsync(env, "");
        var status = await Http.ExecuteAsync(await new GetSweep(env.Platform.Queries).RunAsync(Http.Request(), id, default));

        // Then both carry them as given
        var listed = Assert.Single(list.GetProperty("sweeps").EnumerateArray());
        foreach (var json in new[] { listed, status.Json })
        {
            Assert.Equal(["Baseline", "fig-3.b"], json.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            Assert.Equal("Self-stitch of the\nsmallest net", json.GetProperty("description").GetString());
        }
        Assert.False(list.TryGetProperty("continuation", out _));
    }

    [AzuriteFact]
    public async Task Bad_tags_are_refused_at_submission_naming_the_tag_and_nothing_is_stored()
    {
        await using var env = await TestPlatform.CreateAsync();
        var spec = Specs.Small.Replace("\"name\":", """ "tags": ["ok", "no spaces"], "name":""");

        var response = await Http.ExecuteAsync(await new SubmitSweep(env.Platform.Coordinator).RunAsync(Http.Request("POST", spec), default));

        Assert.Equal(400, response.Status);
        Assert.Contains("letters, digits", response.Json.GetProperty("errors").GetProperty("tags[1]")[0].GetString());
        Assert.Empty(await env.Platform.Storage.ListSweepsAsync().ToListAsync());
    }

    [AzuriteFact]
    public async Task Paging_returns_every_sweep_exactly_once_newest_first_even_when_a_sweep_is_submitted_between_pages()
    {
        // Given 13 sweeps, three of them created at the same instant
        await using var env = await TestPlatform.CreateAsync();
        var created = new List<SweepRecord>();
        for (var i = 0; i < 13; i++)
            created.Add(await AddAsync(env, $"s{i:D2}", T0.AddHours(i < 3 ? 0 : i)));

        // When the listing is read 5 at a time, following the continuation, and a newer sweep arrives after the first page
        var (seen, pages) = await PagesAsync(env, "", 5, async page =>
        {
            if (page == 1) await AddAsync(env, "late", DateTimeOffset.UtcNow);
        });

        // Then each of the 13 came exactly once, in the documented order, on 3 pages; the late one belongs to a new listing
        Assert.Equal(3, pages);
        created.Sort((a, b) => b.CreatedAt != a.CreatedAt ? b.CreatedAt.CompareTo(a.CreatedAt) : string.CompareOrdinal(a.Id, b.Id));
        Assert.Equal(created.Select(s => s.Id), seen);
        Assert.Equal("late", (await ListAsync(env, "?pageSize=1")).GetProperty("sweeps")[0].GetProperty("sweepId").GetString());
    }

    [AzuriteFact]
    public async Task Filters_by_tag_state_and_since_select_exactly_the_matching_sweeps_across_pages()
    {
        // Given sweeps with different tags, states and times
        await using var env = await TestPlatform.CreateAsync();
        await AddAsync(env, "old-a", T0.AddDays(-1), tags: ["a"]);
        await AddAsync(env, "at-since", T0, tags: ["a", "b"]);
        await AddAsync(env, "just-before", T0.AddMilliseconds(-1), tags: ["a"]);
        await AddAsync(env, "new-ab", T0.AddHours(1), tags: ["A", "b"]);
        await AddAsync(env, "new-b-cancelled", T0.AddHours(2), SweepState.Cancelled, ["b"]);
        await AddAsync(env, "new-untagged", T0.AddHours(3));
        await AddAsync(env, "new-a-planning", T0.AddHours(4), SweepState.Planning, ["a"]);

        // Then each filter keeps exactly its sweeps, newest first (tags and states compared case-insensitively)
        Assert.Equal(["new-a-planning", "new-ab", "at-since", "just-before", "old-a"], await AllAsync(env, "tag=a"));
        Assert.Equal(["new-ab", "at-since"], await AllAsync(env, "tag=a&tag=B"));
        Assert.Equal(["new-b-cancelled"], await AllAsync(env, "state=cancelled"));
        Assert.Equal(["new-untagged", "new-ab", "at-since", "just-before", "old-a"], await AllAsync(env, "state=Active"));
        Assert.Equal(["new-a-planning", "new-untagged", "new-b-cancelled", "new-ab", "at-since"], await AllAsync(env, "since=2026-11-01T12:00:00Z"));
        Assert.Equal(["new-a-planning", "new-untagged", "new-b-cancelled", "new-ab", "at-since"], await AllAsync(env, "since=2026-11-01T13:00:00%2B01:00"));
        Assert.Equal(["new-ab", "at-since"], await AllAsync(env, "tag=a&state=active&since=2026-11-01T12:00:00"));
        Assert.Empty(await AllAsync(env, "tag=nothing-has-this"));
    }

    [AzuriteFact]
    public async Task A_sweep_stored_before_tags_existed_is_listed_with_none_and_left_out_by_a_tag_filter()
    {
        // Given a row written by the previous version: its spec has no tags or description
        await using var env = await TestPlatform.CreateAsync();
        await env.Platform.Storage.Sweeps.AddEntityAsync(new Azure.Data.Tables.TableEntity(StitchingStorage.SweepPartition, "legacy")
        {
            ["Name"] = "legacy", ["CreatedAt"] = T0, ["State"] = "Active", ["ModelJobs"] = 2, ["StitchJobs"] = 4, ["Stitches"] = 4,
            ["Spec"] = """{"name":"legacy","senders":["resnet(1,1,1,1)"],"receivers":["resnet(1,1,1,1)"]}""",
        });

        // Then it is listed without tags, and a tag filter leaves it out
        var listed = Assert.Single((await ListAsync(env, "")).GetProperty("sweeps").EnumerateArray());
        Assert.Empty(listed.GetProperty("tags").EnumerateArray());
        Assert.Empty((await ListAsync(env, "?tag=a")).GetProperty("sweeps").EnumerateArray());
    }

    [AzuriteFact]
    public async Task A_key_missing_from_a_stored_spec_takes_its_documented_default()
    {
        // Given a row written before stitchesPerJob, the model settings and most stitch settings existed
        await using var env = await TestPlatform.CreateAsync();
        await env.Platform.Storage.Sweeps.AddEntityAsync(new Azure.Data.Tables.TableEntity(StitchingStorage.SweepPartition, "older")
        {
            ["Name"] = "older", ["CreatedAt"] = T0, ["State"] = "Active", ["ModelJobs"] = 2, ["StitchJobs"] = 4, ["Stitches"] = 4,
            ["Spec"] = """{"name":"older","senders":["resnet(1,1,1,1)"],"receivers":["resnet(1,1,1,1)"],"stitch":{"epochs":3},"removedSince":1}""",
        });

        // When it is read back
        var spec = (await env.Platform.Storage.GetSweepAsync("older"))!.Spec;

        // Then what it stored is kept, a key removed since is skipped, and every missing key has the record's default, not 0 or null
        var defaults = new SweepSpec();
        Assert.Equal(3, spec.Stitch.Epochs);
        Assert.Equal(defaults.Stitch with { Epochs = 3 }, spec.Stitch);
        Assert.Equal(defaults.Model, spec.Model);
        Assert.Equal(SweepSpec.DefaultStitchesPerJob, spec.StitchesPerJob);
        Assert.Equal(defaults.Width, spec.Width);
        Assert.Equal(defaults.SenderSeeds, spec.SenderSeeds);
        Assert.Empty(spec.Tags);
        Assert.True(spec.Stitch.Patience > 0, "a missing patience must not turn early stopping off");
    }

    [AzuriteTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Results_list_in_the_cli_takes_the_same_filters_and_continuation_as_the_api(bool fromStorage)
    {
        // Given three sweeps, two tagged a, read through the API (no storage settings) or the operator's storage path
        await using var env = await TestPlatform.CreateAsync();
        await AddAsync(env, "a-old", T0, tags: ["a"]);
        await AddAsync(env, "a-new", T0.AddHours(1), tags: ["a"]);
        await AddAsync(env, "b-newest", T0.AddHours(2), tags: ["b"]);
        await using var api = fromStorage ? null : await TestPlatform.StartApiAsync(env);
        var path = fromStorage ? ["--from-storage"] : Array.Empty<string>();
        var environment = api is null ? null : new Dictionary<string, string> { ["Stitching__Storage__ConnectionString"] = "", ["STITCHING_API_URL"] = api.Urls.Single() };
        async Task<JsonElement> Cli(params string[] args)
        {
            var (exit, output) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["results", .. path, "--list", "--format", "json", .. args], environment);
            Assert.True(exit == 0, output);
            return JsonDocument.Parse(output).RootElement;
        }
        static IEnumerable<string?> Ids(JsonElement page) => page.GetProperty("sweeps").EnumerateArray().Select(s => s.GetProperty("sweepId").GetString());

        // When the CLI lists tag A one sweep at a time, then follows the continuation
        var first = await Cli("--tag", "A", "--page-size", "1");
        var second = await Cli("--tag", "A", "--continuation", first.GetProperty("continuation").GetString()!);

        // Then it pages as the API does, and without --page-size it lists every match at once
        Assert.Equal(["a-new"], Ids(first));
        Assert.Equal(["a-old"], Ids(second));
        Assert.False(second.TryGetProperty("continuation", out _));
        Assert.Equal(["b-newest", "a-new", "a-old"], Ids(await Cli("--since", "2026-11-01")));
        var (bad, message) = await GpuRunnerProcess.RunAsync(env, TimeSpan.FromSeconds(60), ["results", .. path, "--list", "--state", "done"], environment);
        Assert.NotEqual(0, bad);
        Assert.Contains("--state: state must be one of Active, Cancelled, Planning", message);
    }

    [Theory]
    [InlineData("?tag=no%20spaces", "tag")]
    [InlineData("?tag=", "tag")]
    [InlineData("?state=done", "state")]
    [InlineData("?state=1", "state")]
    [InlineData("?since=yesterday", "since")]
    [InlineData("?since=11/30/2026", "since")]
    [InlineData("?since=2026-13-01", "since")]
    [InlineData("?pageSize=0", "pageSize")]
    [InlineData("?pageSize=1001", "pageSize")]
    [InlineData("?pageSize=ten", "pageSize")]
    [InlineData("?continuation=abc", "continuation")]
    [InlineData("?continuation=1.bm90LWEtdG9rZW4", "continuation")]
    public async Task Bad_listing_parameters_get_a_400_naming_them_before_storage_is_touched(string query, string parameter)
    {
        // The platform points at a closed port: touching storage would throw instead of answering 400.
        var response = await Http.ExecuteAsync(await new ListSweeps(SweepApiTests.OfflinePlatform().Queries).RunAsync(Http.Request(query: query), default));

        Assert.Equal(400, response.Status);
        Assert.Contains("problem+json", response.ContentType);
        var errors = response.Json.GetProperty("errors");
        Assert.True(errors.TryGetProperty(parameter, out var messages), response.Body);
        Assert.Single(errors.EnumerateObject());
        Assert.Contains(parameter, messages[0].GetString(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A stored sweep with a chosen id, time, state and tags: the listing reads only the sweeps table.</summary>
    private static async Task<SweepRecord> AddAsync(TestPlatform env, string id, DateTimeOffset createdAt, SweepState state = SweepState.Active, IReadOnlyList<string>? tags = null)
    {
        var sweep = new SweepRecord(id, id, new SweepSpec { Name = id, Tags = tags ?? [] }, createdAt, state, 2, 4, 4);
        await env.Platform.Storage.AddSweepAsync(sweep);
        return sweep;
    }

    private static async Task<JsonElement> ListAsync(TestPlatform env, string query)
    {
        var response = await Http.ExecuteAsync(await new ListSweeps(env.Platform.Queries).RunAsync(Http.Request(query: query), default));
        Assert.True(response.Status == 200, response.Body);
        return response.Json;
    }

    /// <summary>Every page of a filtered listing, 2 at a time, so that filters and paging are tested together.</summary>
    private static async Task<List<string>> AllAsync(TestPlatform env, string filters) => (await PagesAsync(env, filters, 2)).Ids;

    /// <summary>Follows the continuation to the end; each page holds 1..pageSize sweeps; <paramref name="afterPage"/> runs after each (1-based).</summary>
    private static async Task<(List<string> Ids, int Pages)> PagesAsync(TestPlatform env, string filters, int pageSize, Func<int, Task>? afterPage = null)
    {
        var ids = new List<string>();
        var pages = 0;
        string? token = null;
        do
        {
            var page = await ListAsync(env, $"?{filters}&pageSize={pageSize}{(token is null ? "" : "&continuation=" + Uri.EscapeDataString(token))}");
            var sweeps = page.GetProperty("sweeps").EnumerateArray().Select(s => s.GetProperty("sweepId").GetString()!).ToList();
            token = page.TryGetProperty("continuation", out var c) ? c.GetString() : null;
            // An empty last page is allowed only when nothing matches at all.
            if (pages > 0 || token is not null || sweeps.Count > 0) Assert.InRange(sweeps.Count, 1, pageSize);
            ids.AddRange(sweeps);
            pages++;
            if (afterPage is not null) await afterPage(pages);
        } while (token is not null);
        return (ids, pages);
    }
}
