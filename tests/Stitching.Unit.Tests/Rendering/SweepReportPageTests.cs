using Stitching.Domain.Contracts;
using Stitching.Reporting.Rendering;

namespace Stitching.Unit.Tests.Rendering;

public sealed class SweepReportPageTests
{
    private const string Key = "s3cr3t-function-key==";

    private static string Page(string csvHref)
    {
        var sweep = new SweepRecord("0123456789abcdef0123456789abcdef", "keys", new SweepSpec(), DateTimeOffset.UnixEpoch, SweepState.Active, 1, 1);
        var status = new SweepStatus(sweep.Id, sweep.Name, SweepState.Active, sweep.CreatedAt, 2, 2, 0, 0, 0, 0, 0, false, []);
        return SweepReportPage.Html(sweep, status, [], [], pictures: false, csvHref);
    }

    [Fact]
    public void The_csv_link_never_carries_the_function_key_the_page_was_opened_with()
    {
        // Given a caller that still appends the key from the page's own address
        var html = Page($"results?format=csv&code={Uri.EscapeDataString(Key)}");

        // Then the link is relative and keyless, and no form of the key is anywhere in the page
        Assert.Contains("href=\"results?format=csv\"", html);
        Assert.DoesNotContain("s3cr3t", html);
    }

    [Fact]
    public void The_page_sends_no_referrer_since_its_own_address_may_carry_a_key()
    {
        Assert.Contains("<meta name=\"referrer\" content=\"no-referrer\">", Page("results?format=csv"));
    }

    [Fact]
    public void A_near_chance_warning_stands_beside_the_matrices_escaped_and_only_when_there_is_one()
    {
        var sweep = new SweepRecord("0123456789abcdef0123456789abcdef", "w", new SweepSpec(), DateTimeOffset.UnixEpoch, SweepState.Active, 1, 1);
        var status = new SweepStatus(sweep.Id, sweep.Name, SweepState.Active, sweep.CreatedAt, 2, 0, 0, 2, 0, 0, 1, true, [])
        {
            Warnings = ["trained resnet(1,1,1,1) (seed 0) scores 11.2%, near chance (10%): its matrices measure <nothing>"],
        };

        var html = SweepReportPage.Live(status, [], [], pictures: false);

        var warning = html.IndexOf("<ul id=\"warnings\"><li><strong>Warning:</strong> trained resnet(1,1,1,1) (seed 0) scores 11.2%", StringComparison.Ordinal);
        Assert.True(warning >= 0, html);
        Assert.Contains("measure &lt;nothing&gt;", html);
        Assert.True(warning < html.IndexOf("<h2>Matrices</h2>", StringComparison.Ordinal));
        Assert.DoesNotContain("id=\"warnings\"", Page("results?format=csv"));
    }

    [Fact]
    public void A_failed_job_shows_its_kind_attempts_and_escaped_last_error_first_line_first()
    {
        var sweep = new SweepRecord("0123456789abcdef0123456789abcdef", "f", new SweepSpec(), DateTimeOffset.UnixEpoch, SweepState.Active, 1, 1);
        var status = new SweepStatus(sweep.Id, sweep.Name, SweepState.Active, sweep.CreatedAt, 2, 0, 0, 1, 1, 0, 1, true,
            [new JobFailure("model-x", JobKind.Model, "System.IO.IOException: <disk> full\n   at Stitching.Engine.Save()", 5)]);

        var html = SweepReportPage.Html(sweep, status, [], [], pictures: false, "results?format=csv");

        Assert.Contains("<code>model-x</code> (model, 5 attempts): <details><summary>System.IO.IOException: &lt;disk&gt; full</summary>", html);
        Assert.Contains("at Stitching.Engine.Save()</pre>", html);
        Assert.Contains("data-finished=\"true\"", html);
        Assert.DoesNotContain("http-equiv=\"refresh\"", html); // a finished sweep's page stays put
    }

    [Fact]
    public void A_running_sweeps_page_refreshes_itself_without_script_and_polls_its_live_part_with_script()
    {
        var html = Page("results?format=csv");

        Assert.Contains($"<noscript><meta http-equiv=\"refresh\" content=\"{SweepReportPage.NoScriptRefreshSeconds}\"></noscript>", html);
        Assert.Contains("data-finished=\"false\"", html);
        Assert.Contains("report?part=live", html);
        Assert.Contains("'x-functions-key'", html);
    }

    [Theory]
    [InlineData("results?format=csv", "results?format=csv")]
    [InlineData("results?code=abc", "results")]
    [InlineData("results?CODE=abc&format=csv", "results?format=csv")]
    [InlineData("results?format=csv&codec=x", "results?format=csv&codec=x")]
    [InlineData("results", "results")]
    public void Only_the_code_parameter_is_removed(string href, string expected) =>
        Assert.Equal(expected, SweepReportPage.WithoutKey(href));
}
