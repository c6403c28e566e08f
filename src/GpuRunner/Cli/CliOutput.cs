using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.GpuRunner.Cli;

/// <summary>Where a command's file-shaped output goes: standard output, or a file replaced atomically.</summary>
public static class CliOutput
{
    public static void Write(string? path, Action<TextWriter> write)
    {
        if (path is null)
        {
            write(Console.Out);
            Console.Out.Flush();
        }
        else AtomicFile.Write(path, write);
    }
}
