using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stitching.Domain.Datasets;
using Stitching.Platform;
using Stitching.Platform.Storage;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// Configuration of the platform commands: <c>appsettings.json</c> beside the binary or in the working folder, then
/// environment variables (<c>Stitching__Storage__ConnectionString</c>, <c>Stitching__Queue__Backend</c>, ...), then command-line overrides.
/// </summary>
public static class PlatformConfiguration
{
    public static IConfiguration Build(IDictionary<string, string?>? overrides = null) => AddSources(new ConfigurationBuilder(), overrides).Build();

    /// <summary>The same sources, in the same order, added to a host's configuration.</summary>
    public static T AddSources<T>(T builder, IDictionary<string, string?>? overrides = null) where T : IConfigurationBuilder
    {
        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>());
        return builder;
    }

    /// <summary>
    /// The platform's services (<see cref="StitchingPlatformServiceCollectionExtensions.AddStitchingPlatform"/>) for a
    /// command that talks to it without a host; dispose it (asynchronously: it may hold a Service Bus connection).
    /// </summary>
    public static ServiceProvider Services(ILoggerFactory? loggerFactory = null)
    {
        var services = new ServiceCollection().AddStitchingPlatform(Build());
        if (loggerFactory is not null) services.AddSingleton(loggerFactory);
        return services.BuildServiceProvider();
    }

    /// <summary>The <c>Stitching:Storage</c> section: the same storage every platform command and the API use.</summary>
    public static StitchingStorageOptions Storage(IConfiguration configuration) =>
        configuration.GetSection(StitchingStorageOptions.Section).Get<StitchingStorageOptions>() ?? new();
}
