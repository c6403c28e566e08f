using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Playwright;
using Stitching.Functions;
using Stitching.Functions.Local;

namespace Stitching.Platform.Tests;

/// <summary>The report page as a browser shows it: served by the local API host, loaded in headless Chromium.</summary>
public sealed class ReportPageBrowserTests
{
    private const string HostileName = "<script>window.__pwned=1</script>";

    [BrowserFact]
    public async Task Report_shows_one_matrix_image_per_variant_and_renders_a_script_name_as_text()
    {
        // Given a finished 4-variant sweep whose name is a script tag, and the local API serving it
        Assert.True(File.Exists(BrowserFactAttribute.ChromiumPath), $"No Chromium at {BrowserFactAttribute.ChromiumPath}: apt-get install -y chromium.");
        await using var env = await TestPlatform.CreateAsync();
        var id = await env.SubmitAsync($$"""
            {
              "name": "{{HostileName}}",
              "senders": ["resnet(1,1,1,1)"], "receivers": ["resnet(1,1,1,1)"], "variants": ["all"],
              "senderLayers": ["stem", "1.0"], "receiverLayers": ["2.0", "3.0"], "trainLimit": 1000, "stitch": { "epochs": 1 }
            }
            """);
        await TestPlatform.DrainAsync(env.Processor(new FakeExecutor()));
        await using var api = await StartApiAsync(env);
        var url = $"{api.Urls.First()}/api/sweeps/{id}/report";

        // When Chromium loads the report
        using var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserFactAttribute.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
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

    /// <summary>The <c>serve</c> host's routes and wiring on a free loopback port, against the test platform's tables.</summary>
    private static async Task<WebApplication> StartApiAsync(TestPlatform env)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Stitching:Storage:ConnectionString"] = TestPlatform.ConnectionString,
            ["Stitching:Storage:NamePrefix"] = env.NamePrefix,
            ["Stitching:Queue:Backend"] = "storage",
        });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddStitching(builder.Configuration);
        var app = builder.Build();
        LocalApi.Map(app);
        await app.StartAsync();
        return app;
    }
}
