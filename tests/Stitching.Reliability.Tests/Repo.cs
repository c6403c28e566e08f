namespace Stitching.Reliability.Tests;

/// <summary>Paths in the repository the tests run from.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string FaultRunnerDll
    {
        get
        {
            // Same configuration as this test assembly (Debug or Release), same target framework.
            var tfm = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Name;
            var config = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var dll = Path.Combine(Root, "tests", "Stitching.FaultRunner", "bin", config, tfm, "Stitching.FaultRunner.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("Build tests/Stitching.FaultRunner first (dotnet build Stitching.sln).", dll);
        }
    }

    private static string FindRoot()
    {
        var dir = AppContext.BaseDirectory;
        while (!File.Exists(Path.Combine(dir, "Stitching.sln"))) dir = Path.GetDirectoryName(dir) ?? throw new DirectoryNotFoundException("Stitching.sln not found above the test folder.");
        return dir;
    }
}
