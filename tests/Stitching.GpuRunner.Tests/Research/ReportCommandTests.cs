using System.Text.RegularExpressions;
using Stitching.Domain.Results;
using Stitching.Engine.Research;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.GpuRunner.Tests.Research;

public sealed class ReportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-report-").FullName;

    [FashionMnistFact]
    public async Task Quick_report_writes_every_section_and_every_figure_it_links()
    {
        var outDir = Path.Combine(_dir, "report");

        // One thread: on a shared two-core machine, two spinning torch threads are several times slower than one.
        var (exit, output) = await GpuRunnerDll.RunAsync(GpuRunnerDll.Start("report", "--quick", "--train-limit", "300", "--width", "4", "--threads", "1",
            "--data-dir", Requirement.FashionMnist(), "--out", outDir, "--models-dir", Path.Combine(_dir, "models")), TimeSpan.FromMinutes(10));

        Assert.True(exit == 0, output);
        var markdown = File.ReadAllText(Path.Combine(outDir, ReportRunner.ReportFile));
        Assert.All(ReportWriter.Sections, s => Assert.Contains(s, markdown));
        Assert.Contains("--quick", markdown);
        // The report's stitches are the sweep's: least-squares start and the held-out stopping rule, every stitch accounted for.
        Assert.Contains("least-squares start", markdown);
        var results = ResultsCsv.ReadFile(Path.Combine(outDir, "shapes", "results.csv"));
        Assert.Equal(4 * 2 * 2, results.Count); // four variants, 2x2 layers, one pair of models
        Assert.Contains("| `shapes` | 16 |", markdown);
        Assert.Contains("TorchSharp", markdown);
        var figures = Regex.Matches(markdown, @"!\[[^\]]*\]\(([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        Assert.True(figures.Count >= 5, $"only {figures.Count} figures linked"); // the four variants with controls, and per experiment its analysis and representation grids
        Assert.All(figures.Where(f => f.EndsWith(".png", StringComparison.Ordinal)), f => Png.AssertDrawnFile(Path.Combine(outDir, f), minColors: 3, minDrawnFraction: 0.005));
        Assert.All(figures, f => Assert.True(new FileInfo(Path.Combine(outDir, f)) is { Exists: true, Length: > 1000 }, $"missing figure {f}"));
        // Section 4's answer comes from the copying experiment the same command ran: its rows, distances and page sit in copying/.
        var copying = Path.Combine(outDir, ReportRunner.CopyingDirectory);
        var copyingRows = File.ReadAllLines(Path.Combine(copying, CopyingSummary.RowsFile));
        Assert.Contains(copyingRows.Skip(1), l => l.Contains(",task,least-squares,", StringComparison.Ordinal));
        Assert.Contains(copyingRows.Skip(1), l => l.Contains(",placebo,", StringComparison.Ordinal));
        Assert.Contains(copyingRows.Skip(1), l => l.Contains(",ls-copy,", StringComparison.Ordinal));
        Assert.True(File.ReadAllLines(Path.Combine(copying, CopyingSummary.DistancesFile)).Length > 1);
        Assert.Contains("placebo move / task move", markdown);
        Assert.Contains("copying/copying.md", markdown);
        foreach (var experiment in new ReportOptions { Quick = true }.Experiments().Select(e => e.Name))
        {
            var rows = AnalysisCsv.ReadFile(Path.Combine(outDir, experiment, AnalysisCsv.FileName));
            Assert.NotEmpty(rows);
            // Every analysis the report asks for is measured; the gradient-trained copy stitch is not asked for.
            Assert.All(rows, r => Assert.True(double.IsNaN(r.CopyNormalizedMse), "the report trains no copy stitch per cell"));
            Assert.All(rows, r => Assert.False(double.IsNaN(r.LeastSquaresAccuracy) || double.IsNaN(r.Cka)
                || double.IsNaN(r.ProbeAccuracy) || double.IsNaN(r.PixelBaselineAccuracy)));
        }
    }

    [Fact]
    public async Task A_report_of_fewer_than_five_network_pairs_is_refused_before_anything_trains()
    {
        var outDir = Path.Combine(_dir, "few");

        var (exit, output) = await GpuRunnerDll.RunAsync(GpuRunnerDll.Start("report", "--seed-pairs", "3", "--out", outDir), TimeSpan.FromMinutes(2));

        Assert.NotEqual(0, exit);
        Assert.Contains("--seed-pairs must be at least 5, got 3", output);
        Assert.False(Directory.Exists(outDir), "nothing is written");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
