using System.ComponentModel;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.DevTools;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.GpuRunner.Worker;
using Stitching.Execution;
using Stitching.Platform.Processing;
using Stitching.Platform.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// Processes jobs from the platform's queue with the real engine: until Ctrl+C or SIGTERM, or in job mode
/// (<c>--max-jobs N</c>; a Container Apps job execution uses 1) after N messages whatever their outcome or at the
/// first empty receive. Exit code 1 when a job failed, 143 when SIGTERM interrupted a job (its message is handed back),
/// <see cref="RunnerJob.CannotStartExitCode"/> when it cannot start (no CUDA for <c>--device cuda</c>, libtorch not loadable).
/// Storage and queue come from configuration; the loop is <see cref="WorkerService"/> on the Generic Host.
/// </summary>
public sealed class WorkerCommand : AsyncCommand<WorkerCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--max-jobs <N>"), Description("Job mode: stop after N messages whatever their outcome, or when the queue is empty; default: run until Ctrl+C.")]
        public int? MaxJobs { get; init; }

        [CommandOption("--data-dir <DIR>"), Description("Folder the runner fetches datasets into from the 'datasets' blob container, one subfolder each (default: a new empty temporary folder, deleted at exit).")]
        public string? DataDir { get; init; }

        [CommandOption("--models-dir <DIR>"), Description("Local checkpoint cache, kept across jobs (default: Stitching:Worker:CheckpointDirectory or the temp folder).")]
        public string? ModelsDir { get; init; }

        [CommandOption("--device <DEVICE>"), Description("auto (CUDA when present), cpu or cuda.")]
        public string Device { get; init; } = "auto";

        [CommandOption("--threads <N>"), Description("CPU threads for torch (default: all cores).")]
        public int? Threads { get; init; }

        [CommandOption("--cache-mb <MB>"), Description("Budget for cached sender activations, kept across jobs (default 1024).")]
        public int CacheMegabytes { get; init; } = 1024;

        public override ValidationResult Validate()
        {
            if (MaxJobs is < 1) return ValidationResult.Error($"--max-jobs must be at least 1, got {MaxJobs}.");
            if (Threads is < 1) return ValidationResult.Error($"--threads must be at least 1, got {Threads}.");
            if (CacheMegabytes < 0) return ValidationResult.Error($"--cache-mb must not be negative, got {CacheMegabytes}.");
            if (Engine.Hardware.DeviceChoice.Problem(Device) is { } device) return ValidationResult.Error(device);
            return ValidationResult.Success();
        }
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var device = StartTorch(settings);

        var overrides = new Dictionary<string, string?>();
        if (settings.ModelsDir is { } dir) overrides[$"{JobProcessorOptions.Section}:{nameof(JobProcessorOptions.CheckpointDirectory)}"] = Path.GetFullPath(dir);
        if (settings.MaxJobs is { } maxJobs) overrides[$"{WorkerOptions.Section}:{nameof(WorkerOptions.MaxJobs)}"] = maxJobs.ToString(CultureInfo.InvariantCulture);
        // The Generic Host: its console lifetime turns Ctrl+C and SIGTERM into a stop, whose token hands the job's message back.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        PlatformConfiguration.AddSources(builder.Configuration, overrides);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
            .AddFilter("Microsoft.Extensions.Hosting", LogLevel.None); // a failed start or loop is the command's error (CliErrors), not a second stack trace
        RunnerTelemetry.AddLogging(builder.Logging, builder.Configuration);
        builder.Services.AddStitchingWorker(builder.Configuration);
        builder.Services.AddSingleton<IJobExecutor>(sp =>
        {
            var engineLog = sp.GetRequiredService<ILogger<EngineJobExecutor>>();
            var executor = new EngineJobExecutor(device, sp.GetRequiredService<DatasetStore>(), settings.DataDir, settings.CacheMegabytes * 1024L * 1024L,
                sp.GetRequiredService<ILoggerFactory>())
            {
                ProgressInterval = sp.GetRequiredService<IOptions<JobProcessorOptions>>().Value.ProgressInterval,
            };
            engineLog.LogInformation("Engine on {Device} with {Threads} threads; datasets fetched into {DataDirectory}", device.type.ToString().ToLowerInvariant(),
                torch.get_num_threads(), executor.DataDirectory);
            return executor;
        });
        using var tracing = RunnerTelemetry.StartTracing(builder.Configuration);
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken); // validates the options, creates tables, container and queues
            await host.WaitForShutdownAsync(cancellationToken);
            var worker = host.Services.GetRequiredService<WorkerService>();
            if (worker.ExecuteTask is { IsFaulted: true } failed) await failed; // the loop's own error, as the command's
            return worker.Run?.ExitCode ?? 143;
        }
        catch (OperationCanceledException) when (host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested)
        {
            return 143; // stopped while starting, before any message was received
        }
        finally
        {
            await ((IAsyncDisposable)host).DisposeAsync(); // the engine and, with Service Bus, its connection
        }
    }

    /// <summary>
    /// Loads libtorch and picks the device, before any message is received, so a runner that cannot run a job never
    /// takes one: it exits with <see cref="RunnerJob.CannotStartExitCode"/> and the message stays on the queue.
    /// </summary>
    private static Device StartTorch(Settings settings)
    {
        try
        {
            if (settings.Threads is { } threads) torch.set_num_threads(threads);
            // A GPU runner never trains on the CPU: --device cuda without CUDA stops the runner before it takes a message.
            return Engine.Hardware.DeviceChoice.Pick(settings.Device);
        }
        catch (Engine.Hardware.DeviceUnavailableException e)
        {
            throw new RunnerCannotStartException(e.Message, e);
        }
        // What TorchSharp throws when its native libraries are missing or do not match the managed ones.
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException or EntryPointNotFoundException or NotSupportedException)
        {
            throw new RunnerCannotStartException($"libtorch could not be loaded: {e.Message}", e);
        }
    }
}
