namespace Stitching.Tests.Shared;

// Requirement's face at discovery: skipped there with the reason, run under CI=true. It derives from
// SkippableFact/SkippableTheory, so a Requirement checked inside the test (a data set, a program) can skip it too.

/// <summary>A fact that needs Azurite (see <see cref="Requirement"/>).</summary>
public sealed class AzuriteFactAttribute : SkippableFactAttribute
{
    public AzuriteFactAttribute() => Skip = Requirement.SkipReason(Requirement.AzuriteMissing);
}
