namespace Stitching.Platform.Tests;

/// <summary>
/// A fact that drives the system Chromium (<c>apt-get install chromium</c>) through Playwright, against Azurite.
/// Skipped where either is missing, except under CI=true, where the test runs and fails saying what is missing.
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public static string ChromiumPath => Environment.GetEnvironmentVariable("STITCHING_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public BrowserFactAttribute()
    {
        if (TestPlatform.IsCi) return;
        if (!File.Exists(ChromiumPath)) Skip = $"No Chromium at {ChromiumPath} (apt-get install -y chromium, or set STITCHING_CHROMIUM).";
        else if (!TestPlatform.AzuriteReachable) Skip = "Azurite is not running on 127.0.0.1:10000-10002 (see scripts/start-azurite.sh).";
    }
}
