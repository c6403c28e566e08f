using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Stitching.Core;
using Stitching.Core.Jobs;
using Stitching.FaultRunner;

// A runner process for the fault and load tests: the product's WorkerHost loop, configured from environment
// variables (Stitching__Storage__ConnectionString, Stitching__Queue__LockDuration, FaultRunner__EpochMs, ...),
// with SteppedExecutor in place of the TorchSharp engine. Lines on stdout ("EPOCH", "RESUMED", "COMPLETED") are
// what the tests read; logs go to stderr. It runs until killed or sent SIGTERM/SIGINT.
var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
using var loggers = LoggerFactory.Create(b => b
    .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
    .SetMinimumLevel(configuration.GetValue("FaultRunner:LogLevel", LogLevel.Warning)));
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
AppDomain.CurrentDomain.ProcessExit += (_, _) => stop.Cancel();

var options = configuration.GetSection(SteppedExecutorOptions.Section).Get<SteppedExecutorOptions>() ?? new();
var platform = StitchingPlatform.FromConfiguration(configuration, loggers);
var executor = new SteppedExecutor(options, platform.Checkpoints.Container, platform.Processor.WorkerId);
Console.Out.WriteLine($"STARTED {platform.Processor.WorkerId}");
return (await WorkerHost.RunAsync(configuration, executor, maxJobs: null, stop.Token, loggers)).ExitCode;
