using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Reporting.Tables;

namespace Stitching.Engine.Sweeps;

/// <summary>
/// A local sweep's output folder read back for the long table and the comparison: the spec from sweep.json, the rows
/// from results.csv. Its sweep id is the folder's name, the nearest thing a local sweep has to one.
/// </summary>
public static class SweepFolder
{
    public const string ParquetFile = "results.parquet";

    public static bool IsSweepFolder(string path) => File.Exists(Path.Combine(path, SweepManifest.FileName));

    public static SweepResults Read(string directory)
    {
        var manifest = SweepManifest.Read(directory)
            ?? throw new FileNotFoundException($"{directory} is not a sweep output folder: it has no {SweepManifest.FileName}.", Path.Combine(directory, SweepManifest.FileName));
        var results = Path.Combine(directory, SweepOutputs.ResultsFile);
        var rows = File.Exists(results) ? ResultsCsv.ReadFile(results) : [];
        return new SweepResults(Id(directory), manifest.Spec, rows);
    }

    public static string Id(string directory) => new DirectoryInfo(Path.GetFullPath(directory)).Name;
}
