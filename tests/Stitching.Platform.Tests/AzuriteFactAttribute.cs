using System.Net.Sockets;

namespace Stitching.Platform.Tests;

/// <summary>
/// A fact that needs Azurite. Skipped where it is not running, except under CI=true, where the test runs and
/// fails with a message saying how to start it (CI must never pass by skipping storage).
/// </summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (!TestPlatform.AzuriteReachable && !TestPlatform.IsCi)
            Skip = "Azurite is not running on 127.0.0.1:10000-10002 (set STITCHING_TEST_STORAGE or start it; see scripts/offline.sh).";
    }
}

/// <summary>A theory that needs Azurite, skipped or failing like <see cref="AzuriteFactAttribute"/>.</summary>
public sealed class AzuriteTheoryAttribute : TheoryAttribute
{
    public AzuriteTheoryAttribute()
    {
        if (!TestPlatform.AzuriteReachable && !TestPlatform.IsCi)
            Skip = "Azurite is not running on 127.0.0.1:10000-10002 (set STITCHING_TEST_STORAGE or start it; see scripts/offline.sh).";
    }
}
