using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Stitching.Domain.Jobs;
using Stitching.FaultRunner;
using Stitching.Platform;
using Stitching.Platform.Processing;

// A runner process for the fault and load tests: the product's worker host (WorkerService on the Generic Host),
// configured from environment variables (Stitching__Storage__ConnectionString, Stitching__Queue__LockDuration,
// FaultRunner__EpochMs, ...), with SteppedExecutor in place of the TorchSharp engine. Lines on stdout ("EPOCH",
// "RESUMED", "COMPLETED") are what the tests read; logs go to stderr. It runs until killed or sent SIGTERM/SIGINT.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
builder.Configuration.AddEnvironmentVariables();
builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
    .SetMinimumLevel(builder.Configuration.GetValue("FaultRunner:LogLevel", LogLevel.Warning));
builder.Services.AddStitchingWorker(builder.Configuration);
builder.Services.AddSingleton<IJobExecutor>(sp =>
{
    var platform = sp.GetRequiredService<StitchingPlatform>();
    return new SteppedExecutor(builder.Configuration.GetSection(SteppedExecutorOptions.Section).Get<SteppedExecutorOptions>() ?? new(),
        platform.Checkpoints.Container, platform.Processor.WorkerId);
});
var host = builder.Build();
var worker = host.Services.GetRequiredService<WorkerService>();
Console.Out.WriteLine($"STARTED {host.Services.GetRequiredService<StitchingPlatform>().Processor.WorkerId}");
await host.RunAsync(); // disposes the host once stopped
return worker.Run?.ExitCode ?? 143;
