using System.Diagnostics;
using System.Globalization;

namespace Stitching.Engine.Benchmarks;

/// <summary>The process's peak resident memory (Linux VmHWM; elsewhere the runtime's peak working set), and its reset.</summary>
public static class PeakRss
{
    /// <summary>Writing 5 to clear_refs resets the kernel's high-water mark (VmHWM) of this process (Linux 4.0+).</summary>
    public static void Reset()
    {
        try { File.WriteAllText("/proc/self/clear_refs", "5"); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public static long Bytes()
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? Process.GetCurrentProcess().PeakWorkingSet64 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
