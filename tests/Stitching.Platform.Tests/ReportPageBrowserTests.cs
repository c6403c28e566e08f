using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;
using Stitching.Functions;
using Stitching.Functions.Local;
using Stitching.Reporting.Rendering;

namespace Stitching.Platform.Tests;

/// <summary>The report page as a browser shows it: served by the local API host, loaded in headless Chromium.</summary>
public sealed class ReportPageBrowserTests
{
    private const string HostileName = "<script>window.__pwned=1</script>";

    /// <summary>Counts the page's scheduled, not yet fired setTimeout callbacks in <c>window.__pendingTimers</c>.</summary>
    private const string CountPendingTimers = """
        (() => {
          const schedule = window.setTimeout, cancel = window.clearTimeout, pending = new Set();
          window.__pendingTimers = 0;
          window.setTimeout = (f, ms, ...args) => {
            const id = schedule(() => { pending.delete(id); window.__pendingTimers = pending.size; typeof f === 'function' ? f(...args) : eval(f); }, ms);
            pending.add(id); window.__pendingTimers = pending.size;
            return id;
          };
          window.clearTimeout = id => { pending.delete(id); window.__pendingTimers = pending.size; cancel(id); };
        })()
        """;

    [BrowserFact]
    public async Task Report_shows_one_matrix_image_per_variant_and_renders_a_script_name_as_text()
    {
        // Given a finished 4-variant sweep whose name is a script tag, and the local API serving it
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync($$"""
            {
              "name": "{{HostileName}}",
              "senders": ["resnet(1,1,1,1)"], "receivers": ["resnet(1,1,1,1)"], "variants": ["all"],
              "senderLayers": ["stem", "1.0"], "receiverLayers": ["2.0", "3.0"], "trainLimit": 1000, "stitch": { "epochs": 1 }
            }
            """);
        await TestPlatform.DrainAsync(env.Processor(new FakeExecutor()));
        await using var api = await TestPlatform.StartApiAsync(env);
        var url = $"{api.Urls.First()}/api/sweeps/{id}/report";

        // When Chromium loads the report
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var response = await page.GotoAsync(url);

        // Then the four matrices are images that loaded, and the name is visible text, not a script that ran
        Assert.Equal(200, response!.Status);
        var images = page.Locator("img");
        Assert.Equal(4, await images.CountAsync());
        for (var i = 0; i < 4; i++)
            Assert.True(await images.Nth(i).EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), $"matrix image {i} did not load");
        Assert.Equal("undefined", await page.EvaluateAsync<string>("typeof window.__pwned"));
        Assert.Contains(HostileName, await page.InnerTextAsync("body"));
    }

    [BrowserFact]
    public async Task An_open_report_follows_a_running_sweep_without_reloading_and_opens_a_cells_row_with_its_curve()
    {
        // Given a sweep with one of its four stitches trained, and its report open in Chromium with a key in the address
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync();
        var executor = new FakeExecutor();
        var processor = env.Processor(executor);
        while (executor.Stitches.IsEmpty) Assert.NotNull(await processor.ProcessNextAsync(TimeSpan.FromSeconds(5)));
        await using var api = await TestPlatform.StartApiAsync(env);
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync();
        var polls = new List<IRequest>();
        page.Request += (_, r) => { if (r.Url.Contains("part=live")) polls.Add(r); };
        await page.AddInitScriptAsync(CountPendingTimers);
        Assert.Equal(200, (await page.GotoAsync($"{api.Urls.First()}/api/sweeps/{id}/report?code=test-key"))!.Status);
        Assert.Contains("1 of 4 matrix cells filled", await page.InnerTextAsync("#progress"));
        await page.EvaluateAsync("() => { window.__loadedOnce = true; }");
        await page.ClickAsync("#live details summary"); // the numbers behind the matrix image

        // When the rest of the sweep is processed
        await TestPlatform.DrainAsync(processor);

        // Then the open page shows it finished, all cells filled and linked, without having reloaded
        await page.WaitForFunctionAsync("() => document.getElementById('live').dataset.finished === 'true'", null, new() { Timeout = 20_000 });
        Assert.Contains("4 of 4 matrix cells filled", await page.InnerTextAsync("#progress"));
        Assert.Contains("6 done, 0 running, 0 queued", await page.InnerTextAsync("#progress"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.__loadedOnce === true"), "the page was reloaded");
        Assert.Equal(4, await page.Locator("#live a[data-cell]").CountAsync());
        // ... it polled with the key as a header, never in an address, and stopped once the sweep was finished
        Assert.NotEmpty(polls);
        Assert.All(polls, r => Assert.Equal("test-key", r.Headers["x-functions-key"]));
        Assert.All(polls, r => Assert.DoesNotContain("code=", r.Url));
        var pollsWhenFinished = polls.Count;
        // No timer left in the page: nothing can poll again (the last one fires within PollSeconds and schedules none)
        await page.WaitForFunctionAsync("() => window.__pendingTimers === 0", null, new() { Timeout = 4_000 * SweepReportPage.PollSeconds });
        Assert.Equal(pollsWhenFinished, polls.Count);

        // When a cell is clicked, its row opens in the page: settings, runner, checkpoint and the held-out curve
        await page.Locator("#live a[data-cell]").First.ClickAsync();
        await page.WaitForSelectorAsync("#cell svg polyline", new() { Timeout = 10_000 });
        Assert.Equal(2, await page.Locator("#cell svg polyline").CountAsync());
        var cell = await page.InnerTextAsync("#cell");
        Assert.Contains("runner", cell);
        Assert.Contains($"stitches/{id}/", cell);
        Assert.True(await page.EvaluateAsync<bool>("() => window.__loadedOnce === true"), "the cell link navigated away");

        // When script is off, a cell is a plain link to the row's own page, which links back to the report
        await using var noScript = await browser.NewContextAsync(new() { JavaScriptEnabled = false });
        var plain = await noScript.NewPageAsync();
        var report = $"{api.Urls.First()}/api/sweeps/{id}/report";
        await plain.GotoAsync(report);
        await plain.ClickAsync("#live details summary");
        await plain.Locator("#live a[data-cell]").First.ClickAsync();
        await plain.WaitForSelectorAsync("#cell svg polyline");
        Assert.Contains($"/api/sweeps/{id}/results/stitch-", plain.Url);
        await plain.ClickAsync("text=Report of sweep");
        await plain.WaitForURLAsync(report);
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = Requirement.Chromium(), // skipped locally, failed under CI, where it is missing
        Headless = true,
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    });
}
