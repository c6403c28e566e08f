using System.Text.Json;

namespace Stitching.GpuRunner.Tests.Engine;

public sealed class BenchCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stitching-bench-").FullName;

    [FashionMnistFact]
    public async Task A_tiny_bench_writes_both_paths_the_peaks_the_flops_and_the_agreement_cell_by_cell()
    {
        var json = Path.Combine(_dir, "bench.json");

        // The command as a user runs it: the built CLI, a client of the engine library this project tests.
        var (exit, output) = await GpuRunnerDll.RunAsync(GpuRunnerDll.Start("bench", "--sender", "resnet(1,1,1,1)", "--receiver", "resnet(1,1,1,1)", "--width", "4",
            "--train-limit", "300", "--test-limit", "100", "--sender-layers", "stem", "--receiver-layers", "2.0,4.0",
            "--variants", "trained->trained,random->trained", "--model-epochs", "1", "--baseline-epochs", "1", "--threads", "1",
            "--skip-platform", "--data-dir", Requirement.FashionMnist(), "--out", _dir, "--json", json, "--models-dir", Path.Combine(_dir, "models")), TimeSpan.FromMinutes(10));

        Assert.True(exit == 0, output);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var root = doc.RootElement;
        Assert.Equal(4, root.GetProperty("stitches").GetInt32());
        Assert.True(root.GetProperty("peakGflopsFp32").GetDouble() > 0);
        // bf16's peak is measured exactly where the engine may use bf16 (chosen by measurement on this CPU, which a
        // loaded machine can tip to fp32), and reported as null elsewhere, never as a number it did not measure
        if (root.GetProperty("nativeBf16").GetBoolean()) Assert.True(root.GetProperty("peakGflopsBf16").GetDouble() > 0);
        else Assert.Equal(JsonValueKind.Null, root.GetProperty("peakGflopsBf16").ValueKind);
        Assert.True(root.GetProperty("speedup").GetDouble() > 0);
        var flops = root.GetProperty("flops");
        Assert.True(flops.GetProperty("prefixOptimized").GetDouble() < flops.GetProperty("prefixBaseline").GetDouble());
        Assert.InRange(flops.GetProperty("optimizedFractionOfPeak").GetDouble(), 1e-6, 1.5);
        var optimized = root.GetProperty("optimized");
        Assert.True(optimized.GetProperty("cachedActivationsMB").GetDouble() <= optimized.GetProperty("cacheBudgetMB").GetDouble());
        var cells = root.GetProperty("cells").EnumerateArray().ToList();
        Assert.Equal(4, cells.Count);
        Assert.All(cells, c =>
        {
            Assert.InRange(c.GetProperty("optimized").GetDouble(), 0, 1);
            Assert.InRange(c.GetProperty("baseline").GetDouble(), 0, 1);
            Assert.InRange(c.GetProperty("baselineSecondSeed").GetDouble(), 0, 1);
            Assert.InRange(c.GetProperty("engineWithBaselineRecipe").GetDouble(), 0, 1);
        });
        var recipe = root.GetProperty("engineWithBaselineRecipe");
        Assert.True(recipe.GetProperty("speedup").GetDouble() > 0);
        var recipeDiff = cells.Average(c => Math.Abs(c.GetProperty("engineWithBaselineRecipe").GetDouble() - c.GetProperty("baseline").GetDouble()));
        Assert.Equal(recipeDiff, recipe.GetProperty("meanAbsDiffVsBaseline").GetDouble(), 9);
        var agreement = root.GetProperty("agreement");
        var meanDiff = cells.Average(c => Math.Abs(c.GetProperty("optimized").GetDouble() - c.GetProperty("baseline").GetDouble()));
        Assert.Equal(meanDiff, agreement.GetProperty("meanAbsDiffOptimizedVsBaseline").GetDouble(), 9);
        Assert.True(root.GetProperty("exampleSweepBound").GetProperty("secondsAtMeasuredPeak").GetDouble() > 0);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
