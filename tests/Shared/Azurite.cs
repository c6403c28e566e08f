using System.Net.Sockets;
using Azure.Data.Tables;

namespace Stitching.Tests.Shared;

/// <summary>The shared Azurite that CI starts (127.0.0.1:10000-10002), or the account in <c>STITCHING_TEST_STORAGE</c>.</summary>
public static class Azurite
{
    public static string ConnectionString => Environment.GetEnvironmentVariable("STITCHING_TEST_STORAGE") is { Length: > 0 } cs ? cs : "UseDevelopmentStorage=true";

    /// <summary>The table endpoint the probe connects to (null when the connection string cannot be parsed).</summary>
    public static Uri? Endpoint { get; } = TableEndpoint();

    /// <summary>Probed once per test process: whether something listens on the table endpoint.</summary>
    public static bool Reachable { get; } = Endpoint is not null && Probe(Endpoint);

    /// <summary>Whether a TCP connection to the endpoint's host and port opens within two seconds.</summary>
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

    private static Uri? TableEndpoint()
    {
        try
        {
            return new TableServiceClient(ConnectionString).Uri;
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
