using Microsoft.Extensions.Hosting;
using Stitching.Platform;

namespace Stitching.Functions;

/// <summary>Creates tables, container and queues at startup, so no request pays for (or races on) it.</summary>
public sealed class PlatformInitializer(StitchingPlatform platform) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => platform.CreateIfNotExistsAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
