using Xunit.Sdk;

namespace Stitching.Tests.Shared;

/// <summary>
/// The one place a test says what it needs from the machine (a service, a data set, a program). Where it is missing the
/// test is skipped with the reason, except under <c>CI=true</c>, where it fails with the same reason: CI installs and
/// starts everything, so a missing piece there is a broken CI, never a pass.
/// </summary>
public static class Requirement
{
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// For the attributes (<see cref="AzuriteFactAttribute"/> and the like): the reason to skip at discovery, or null when
    /// nothing is missing or under CI, where the test runs and its <see cref="Require"/> fails.
    /// </summary>
    public static string? SkipReason(string? missing) => missing is null || IsCi ? null : missing;

    /// <summary>Nothing when <paramref name="missing"/> is null; else skips the test (SkipException) or, under CI, fails it.</summary>
    public static void Require(string? missing)
    {
        if (missing is null) return;
        if (IsCi) throw new XunitException($"Missing under CI=true (CI must provide it, not skip the test): {missing}");
        throw new Xunit.SkipException(missing);
    }

    /// <summary>Azurite (or <c>STITCHING_TEST_STORAGE</c>) must answer.</summary>
    public static void AzuriteRunning() => Require(AzuriteMissing);

    /// <summary>The Fashion-MNIST files must be in <see cref="FashionMnistFolder"/>; returns that folder.</summary>
    public static string FashionMnist()
    {
        Require(FashionMnistMissing);
        return FashionMnistFolder;
    }

    /// <summary>Chromium must be at <see cref="ChromiumPath"/>; returns that path.</summary>
    public static string Chromium()
    {
        Require(ChromiumMissing);
        return ChromiumPath;
    }

    /// <summary>Python with torch (<see cref="PyTorch"/>) must be installed.</summary>
    public static void PyTorchInstalled() => Require(PyTorch.Missing);

    public static string? AzuriteMissing => Azurite.Reachable ? null
        : $"Azurite is not running at {Azurite.Endpoint} (start it: bash scripts/start-azurite.sh, or set STITCHING_TEST_STORAGE).";

    /// <summary>Where the Debian package dataset-fashion-mnist puts its files; <c>STITCHING_TEST_FASHION_MNIST</c> overrides it.</summary>
    public static string FashionMnistFolder =>
        Environment.GetEnvironmentVariable("STITCHING_TEST_FASHION_MNIST") is { Length: > 0 } dir ? dir : "/usr/share/datasets/fashion-mnist";

    public static IReadOnlyList<string> FashionMnistFiles { get; } =
        ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

    public static string? FashionMnistMissing =>
        FashionMnistFiles.FirstOrDefault(f => !File.Exists(Path.Combine(FashionMnistFolder, f))) is { } absent
            ? $"Fashion-MNIST is not in {FashionMnistFolder} (no {absent}; apt-get install dataset-fashion-mnist, or set STITCHING_TEST_FASHION_MNIST)."
            : null;

    /// <summary>The system Chromium that Playwright drives; <c>STITCHING_CHROMIUM</c> overrides it.</summary>
    public static string ChromiumPath => Environment.GetEnvironmentVariable("STITCHING_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";

    public static string? ChromiumMissing => File.Exists(ChromiumPath) ? null
        : $"No Chromium at {ChromiumPath} (apt-get install -y chromium, or set STITCHING_CHROMIUM).";
}
