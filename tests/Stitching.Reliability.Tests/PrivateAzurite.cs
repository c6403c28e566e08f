using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace Stitching.Reliability.Tests;

/// <summary>
/// An Azurite process of the test's own, on free loopback ports with its own data folder and a freshly generated
/// account name and key (AZURITE_ACCOUNTS), so it can be killed and restarted without disturbing the shared one
/// and no key is written in the repository. Found at $AZURITE_DIR/node_modules/.bin/azurite (scripts/start-azurite.sh
/// installs it there; /tmp/azurite by default) or on PATH.
/// </summary>
public sealed class PrivateAzurite : IDisposable
{
    private readonly string _executable;
    private readonly string _account = "rel" + Guid.NewGuid().ToString("N")[..10];
    private readonly string _key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(64));
    private readonly int[] _ports = [FreePort(), FreePort(), FreePort()];
    private readonly string _data = Directory.CreateTempSubdirectory("stitching-azurite-").FullName;
    private Process? _process;

    private PrivateAzurite(string executable) => _executable = executable;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={_account};AccountKey={_key};" +
        $"BlobEndpoint=http://127.0.0.1:{_ports[0]}/{_account};QueueEndpoint=http://127.0.0.1:{_ports[1]}/{_account};TableEndpoint=http://127.0.0.1:{_ports[2]}/{_account};";

    public static string? FindExecutable()
    {
        var dir = Environment.GetEnvironmentVariable("AZURITE_DIR") is { Length: > 0 } d ? d : "/tmp/azurite";
        var local = Path.Combine(dir, "node_modules", ".bin", "azurite");
        if (File.Exists(local)) return local;
        return (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(p => Path.Combine(p, "azurite")).FirstOrDefault(File.Exists);
    }

    /// <summary>Starts one; skipped locally, failed under CI, where Azurite is not installed (<see cref="Requirement"/>).</summary>
    public static async Task<PrivateAzurite> StartAsync()
    {
        var executable = FindExecutable();
        Requirement.Require(executable is null ? "Azurite is not installed in $AZURITE_DIR or on PATH (run scripts/start-azurite.sh)." : null);
        var azurite = new PrivateAzurite(executable!);
        await azurite.RestartAsync();
        return azurite;
    }

    /// <summary>Starts Azurite on the same ports and data folder and waits until all three services listen.</summary>
    public async Task RestartAsync()
    {
        var info = new ProcessStartInfo(_executable) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--silent", "--skipApiVersionCheck", "--disableTelemetry", "--location", _data,
                     "--blobHost", "127.0.0.1", "--queueHost", "127.0.0.1", "--tableHost", "127.0.0.1",
                     "--blobPort", _ports[0].ToString(CultureInfo.InvariantCulture), "--queuePort", _ports[1].ToString(CultureInfo.InvariantCulture), "--tablePort", _ports[2].ToString(CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(a);
        info.Environment["AZURITE_ACCOUNTS"] = $"{_account}:{_key}";
        _process = Process.Start(info)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!_ports.All(p => Azurite.Probe(new Uri($"http://127.0.0.1:{p}"))))
        {
            if (DateTime.UtcNow > until || _process.HasExited) throw new InvalidOperationException($"The private Azurite did not start (exited: {_process.HasExited}).");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// Stops the process with SIGTERM and waits for it: connections are refused from then on. Not SIGKILL, because
    /// Azurite keeps its tables in memory and saves them every few seconds, so a killed Azurite forgets acknowledged
    /// writes, which Azure storage never does.
    /// </summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p) return;
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await p.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public void Kill()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process?.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
