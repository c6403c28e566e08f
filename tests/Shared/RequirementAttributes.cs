namespace Stitching.Tests.Shared;

// The attributes are Requirement's face at discovery: skipped there with the reason, run under CI=true. Each derives
// from SkippableFact/SkippableTheory, so a Requirement checked inside the test (a data set, a program) can skip it too.

/// <summary>A fact that needs Azurite (see <see cref="Requirement"/>).</summary>
public sealed class AzuriteFactAttribute : SkippableFactAttribute
{
    public AzuriteFactAttribute() => Skip = Requirement.SkipReason(Requirement.AzuriteMissing);
}

/// <summary>A theory that needs Azurite (see <see cref="Requirement"/>).</summary>
public sealed class AzuriteTheoryAttribute : SkippableTheoryAttribute
{
    public AzuriteTheoryAttribute() => Skip = Requirement.SkipReason(Requirement.AzuriteMissing);
}

/// <summary>A fact that drives the system Chromium through Playwright against Azurite (see <see cref="Requirement"/>).</summary>
public sealed class BrowserFactAttribute : SkippableFactAttribute
{
    public BrowserFactAttribute() => Skip = Requirement.SkipReason(Requirement.ChromiumMissing ?? Requirement.AzuriteMissing);
}

/// <summary>A fact that reads the installed Fashion-MNIST files (see <see cref="Requirement"/>).</summary>
public sealed class FashionMnistFactAttribute : SkippableFactAttribute
{
    public FashionMnistFactAttribute() => Skip = Requirement.SkipReason(Requirement.FashionMnistMissing);
}
