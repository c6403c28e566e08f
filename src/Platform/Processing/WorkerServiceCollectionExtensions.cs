using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Stitching.Execution;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;

namespace Stitching.Platform.Processing;

public static class WorkerServiceCollectionExtensions
{
    /// <summary>
    /// A runner host: the platform (<see cref="StitchingPlatformServiceCollectionExtensions.AddStitchingPlatform"/>),
    /// <c>Stitching:Worker</c> validated when the host starts, and <see cref="WorkerService"/> as a hosted service (also
    /// resolvable, for its <see cref="WorkerService.Run"/>). The caller registers the <see cref="IJobExecutor"/>.
    /// </summary>
    public static IServiceCollection AddStitchingWorker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddStitchingPlatform(configuration);
        services.AddOptions<JobProcessorOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<JobProcessorOptions>, ValidateProcessor>();
        services.AddOptions<WorkerOptions>().Bind(configuration.GetSection(WorkerOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, ValidateWorker>();
        // The replica timeout and job budget the API sizes jobs with (Stitching:Limits): job mode takes no job that could outlive it.
        services.AddOptions<SweepLimitOptions>().Bind(configuration.GetSection(SweepLimitOptions.Section));
        services.AddSingleton<WorkerService>();
        services.AddHostedService(sp => sp.GetRequiredService<WorkerService>());
        return services;
    }
}

/// <summary>A runner whose receive wait is not positive would spin (or, in job mode, exit at once): it refuses to start.</summary>
file sealed class ValidateProcessor : IValidateOptions<JobProcessorOptions>
{
    public ValidateOptionsResult Validate(string? name, JobProcessorOptions options) => options.ReceiveWait > TimeSpan.Zero
        ? ValidateOptionsResult.Success
        : ValidateOptionsResult.Fail($"{JobProcessorOptions.Section}:{nameof(JobProcessorOptions.ReceiveWait)} must be a positive time span (e.g. 00:00:20), got {options.ReceiveWait}.");
}

file sealed class ValidateWorker : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions options) => options.MaxJobs is null or >= 1
        ? ValidateOptionsResult.Success
        : ValidateOptionsResult.Fail($"{WorkerOptions.Section}:{nameof(WorkerOptions.MaxJobs)} must be at least 1, got {options.MaxJobs}.");
}
