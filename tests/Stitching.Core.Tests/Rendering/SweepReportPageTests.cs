using Stitching.Core.Contracts;
using Stitching.Core.Rendering;

namespace Stitching.Core.Tests.Rendering;

public sealed class SweepReportPageTests
{
    private const string Key = "s3cr3t-function-key==";

    private static string Page(string csvHref)
    {
        var sweep = new SweepRecord("0123456789abcdef0123456789abcdef", "keys", new SweepSpec(), DateTimeOffset.UnixEpoch, SweepState.Active, 1, 1);
        var status = new SweepStatus(sweep.Id, sweep.Name, SweepState.Active, sweep.CreatedAt, 2, 2, 0, 0, 0, 0, 0, false, []);
        return SweepReportPage.Html(sweep, status, [], [], null, csvHref);
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

    [Theory]
    [InlineData("results?format=csv", "results?format=csv")]
    [InlineData("results?code=abc", "results")]
    [InlineData("results?CODE=abc&format=csv", "results?format=csv")]
    [InlineData("results?format=csv&codec=x", "results?format=csv&codec=x")]
    [InlineData("results", "results")]
    public void Only_the_code_parameter_is_removed(string href, string expected) =>
        Assert.Equal(expected, SweepReportPage.WithoutKey(href));
}
