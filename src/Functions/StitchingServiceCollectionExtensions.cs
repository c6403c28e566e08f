using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Sweeps;
using Stitching.Platform;
using Stitching.Platform.Coordination;
using Stitching.Platform.Storage;
using Stitching.Execution;

namespace Stitching.Functions;

public static class StitchingServiceCollectionExtensions
{
    /// <summary>The API's wiring: the platform and its parts from <c>Stitching:*</c> configuration, limits, startup.</summary>
    public static IServiceCollection AddStitching(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStitchingPlatform(configuration);
        services.AddStitchingJson();
        services.AddOptions<SweepLimitOptions>().Bind(configuration.GetSection(SweepLimitOptions.Section))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<SweepLimitOptions>, ValidateLimits>();
        services.AddHostedService<PlatformInitializer>();
        return services;
    }

    /// <summary>Ok and Accepted bodies are written like every other body: through the platform's JSON context (<see cref="PlatformJsonContext.Configure"/>).</summary>
    public static IServiceCollection AddStitchingJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(o => PlatformJsonContext.Configure(o.SerializerOptions));

    /// <summary>
    /// OpenTelemetry traces of <see cref="StitchingTelemetry.Source"/> (and logs), exported to Azure Monitor with the managed
    /// identity only where <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set; offline nothing is exported.
    /// </summary>
    public static IOpenTelemetryBuilder AddStitchingTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("stitching-api"))
            .WithTracing(t => t.AddSource(StitchingTelemetry.SourceName));
        if (configuration[StitchingTelemetry.ConnectionStringVariable] is { Length: > 0 })
            telemetry.UseAzureMonitorExporter(o => o.Credential = StorageClients.Credential());
        return telemetry;
    }
}

/// <summary>A host with limits that make no sense refuses to start, saying which setting and why.</summary>
file sealed class ValidateLimits : IValidateOptions<SweepLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, SweepLimitOptions options) =>
        options.Problem() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
}
