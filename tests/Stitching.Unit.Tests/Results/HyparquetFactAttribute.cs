using System.Diagnostics;

namespace Stitching.Unit.Tests.Results;

/// <summary>
/// A fact that reads Parquet with hyparquet through node (tests/tools/hyparquet, installed by <c>npm ci</c> there).
/// Skipped where node or the installed package is missing, except under CI=true, where the test runs and fails saying
/// what is missing: CI must never pass by skipping the independent reader.
/// </summary>
public sealed class HyparquetFactAttribute : SkippableFactAttribute
{
    public static string ToolDirectory { get; } = FindToolDirectory();

    public HyparquetFactAttribute() => Skip = Requirement.SkipReason(Missing());

    /// <summary>Why hyparquet cannot run here, or null when it can.</summary>
    public static string? Missing()
    {
        if (!NodeRuns()) return "node is not on PATH (Node.js 20 or later reads the Parquet file with hyparquet).";
        if (!Directory.Exists(Path.Combine(ToolDirectory, "node_modules", "hyparquet")))
            return $"hyparquet is not installed: run npm ci --prefix {ToolDirectory}.";
        return null;
    }

    private static bool NodeRuns()
    {
        try
        {
            using var node = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true, UseShellExecute = false });
            if (node is null) return false;
            node.WaitForExit(10_000);
            return node.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no node on this machine
        }
    }

    private static string FindToolDirectory()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Stitching.sln"))) dir = Path.GetDirectoryName(dir) ?? throw new DirectoryNotFoundException("Stitching.sln not found above the test folder.");
        return Path.Combine(dir, "tests", "tools", "hyparquet");
    }
}
