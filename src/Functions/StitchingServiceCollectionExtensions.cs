using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Stitching.Core;
using Stitching.Core.Rendering;

namespace Stitching.Functions;

public static class StitchingServiceCollectionExtensions
{
    /// <summary>The API's wiring: one <see cref="StitchingPlatform"/> from <c>Stitching:*</c> configuration, and its parts.</summary>
    public static IServiceCollection AddStitching(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => StitchingPlatform.FromConfiguration(configuration, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => sp.GetRequiredService<StitchingPlatform>().Coordinator);
        services.AddSingleton(sp => sp.GetRequiredService<StitchingPlatform>().Results);
        services.AddSingleton(sp => sp.GetRequiredService<StitchingPlatform>().Storage);
        services.AddSingleton<IMatrixRenderer>(new ScottPlotMatrixRenderer());
        services.AddHostedService<PlatformInitializer>();
        return services;
    }
}
