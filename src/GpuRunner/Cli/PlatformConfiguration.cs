using Microsoft.Extensions.Configuration;
using Stitching.Core.Storage;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// Configuration of the platform commands: <c>appsettings.json</c> beside the binary or in the working folder, then
/// environment variables (<c>Stitching__Storage__ConnectionString</c>, <c>Stitching__Queue__Backend</c>, ...), then command-line overrides.
/// </summary>
public static class PlatformConfiguration
{
    public static IConfiguration Build(IDictionary<string, string?>? overrides = null) => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
        .AddEnvironmentVariables()
        .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>())
        .Build();

    /// <summary>The <c>Stitching:Storage</c> section: the same storage every platform command and the API use.</summary>
    public static StitchingStorageOptions Storage(IConfiguration configuration) =>
        configuration.GetSection(StitchingStorageOptions.Section).Get<StitchingStorageOptions>() ?? new();
}
