using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Stitching.Domain.Datasets;
using Stitching.Platform.Storage;
using Stitching.Execution;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// The runner's traces and logs, exported to Azure Monitor with the managed identity only where
/// <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (the Container Apps job); offline nothing is exported.
/// </summary>
public static class RunnerTelemetry
{
    private static readonly ResourceBuilder Resource = ResourceBuilder.CreateDefault().AddService("stitching-runner");

    /// <summary>Null where nothing is exported; dispose it before exit, which flushes what is buffered.</summary>
    public static TracerProvider? StartTracing(IConfiguration configuration) =>
        ConnectionString(configuration) is { } cs
            ? Sdk.CreateTracerProviderBuilder().SetResourceBuilder(Resource).AddSource(StitchingTelemetry.SourceName)
                .AddAzureMonitorTraceExporter(o => Configure(o, cs)).Build()
            : null;

    public static void AddLogging(ILoggingBuilder logging, IConfiguration configuration)
    {
        if (ConnectionString(configuration) is not { } cs) return;
        logging.AddOpenTelemetry(o =>
        {
            o.SetResourceBuilder(Resource);
            o.AddAzureMonitorLogExporter(e => Configure(e, cs));
        });
    }

    private static string? ConnectionString(IConfiguration configuration) =>
        configuration[StitchingTelemetry.ConnectionStringVariable] is { Length: > 0 } cs ? cs : null;

    private static void Configure(AzureMonitorExporterOptions options, string connectionString)
    {
        options.ConnectionString = connectionString;
        options.Credential = StorageClients.Credential();
    }
}
