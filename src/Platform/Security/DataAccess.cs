namespace Stitching.Platform.Security;

/// <summary>
/// One row of the role table: what <paramref name="Component"/>'s code does to <paramref name="Resource"/> on
/// <paramref name="Service"/>, the built-in role that grants it in Azure, and the code that does it.
/// <paramref name="Backend"/> is null when the row holds for both queue backends. <paramref name="Scope"/> is where the
/// role is assigned when narrower than the service's default (<see cref="PlatformRoles.ScopeOf"/>), e.g. one container.
/// </summary>
public sealed record DataAccess(
    PlatformComponent Component,
    PlatformService Service,
    string Resource,
    DataOperations Operations,
    BuiltInRole Role,
    string Why,
    QueueBackend? Backend = null,
    string? Scope = null)
{
    public bool AppliesTo(QueueBackend backend) => Backend is null || Backend == backend;
}
