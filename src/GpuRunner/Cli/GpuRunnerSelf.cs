using System.Diagnostics;
using System.Reflection;

namespace Stitching.GpuRunner.Cli;

/// <summary>This application started again as a child process (the apphost, or <c>dotnet Stitching.GpuRunner.dll</c>).</summary>
public static class GpuRunnerSelf
{
    public static ProcessStartInfo Start(params string[] args)
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var start = new ProcessStartInfo(host) { UseShellExecute = false };
        // Under `dotnet X.dll` the process is dotnet itself: the entry assembly is the first argument.
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }
}
