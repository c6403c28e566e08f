using Stitching.DevTools;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Platform.Tests;

public sealed class PlatformBenchmarkTests
{
    [AzuriteFact]
    public async Task The_papers_full_experiment_is_submitted_planned_and_every_job_queued_in_its_own_tables_which_are_removed()
    {
        var plan = SweepPlan.Create(PlatformBenchmark.PaperExperiment());
        var lines = new ListLogger();

        var figures = await PlatformBenchmark.RunIsolatedAsync(Azurite.ConnectionString, lines);

        Assert.Equal(plan.Models.Count(), figures.ModelJobs);
        Assert.Equal(plan.StitchGroups.Count(), figures.StitchJobs);
        Assert.Equal(50_176, figures.Stitches);
        Assert.Equal(figures.ModelJobs + figures.StitchJobs, figures.MessagesOnQueue);
        Assert.True(figures.SubmitSeconds <= figures.PlannedSeconds && figures.PlannedSeconds <= figures.AllEnqueuedSeconds);
        Assert.True(figures.PngBytes > 10_000);
        Assert.Contains(lines.Lines, l => l.Contains("50,176 stitches", StringComparison.Ordinal));
        var tables = new Azure.Data.Tables.TableServiceClient(Azurite.ConnectionString).QueryAsync(t => t.Name.CompareTo("bench") >= 0 && t.Name.CompareTo("bencj") < 0);
        Assert.Empty(await tables.ToListAsync());
    }
}
