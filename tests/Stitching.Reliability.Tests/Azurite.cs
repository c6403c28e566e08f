using System.Net.Sockets;
using Azure.Data.Tables;

namespace Stitching.Reliability.Tests;

/// <summary>The shared Azurite (127.0.0.1:10000-10002, or STITCHING_TEST_STORAGE) that CI starts.</summary>
public static class Azurite
{
    public static string ConnectionString => Environment.GetEnvironmentVariable("STITCHING_TEST_STORAGE") is { Length: > 0 } cs ? cs : "UseDevelopmentStorage=true";
    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
    public static bool Reachable { get; } = Probe(new TableServiceClient(ConnectionString).Uri);

    public static bool Probe(Uri endpoint)
    {
        try
        {
            using var tcp = new TcpClient();
            return tcp.ConnectAsync(endpoint.Host, endpoint.Port).Wait(TimeSpan.FromSeconds(2)) && tcp.Connected;
        }
        catch (Exception e) when (e is SocketException or AggregateException)
        {
            return false;
        }
    }
}

/// <summary>Needs Azurite: skipped where it is not running, except under CI=true, where it runs and fails.</summary>
public sealed class AzuriteFactAttribute : FactAttribute
{
    public AzuriteFactAttribute()
    {
        if (!Azurite.Reachable && !Azurite.IsCi) Skip = "Azurite is not running on 127.0.0.1:10000-10002 (scripts/start-azurite.sh).";
    }
}

/// <summary>Tests that start runner processes share the two cores one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunnerProcesses
{
    public const string Name = "runner processes";
}
