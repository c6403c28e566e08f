using Stitching.DevTools;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Unit.Tests.Sweeps;

public class StitchGroupTests
{
    private static SweepSpec Spec(int stitchesPerJob) => new()
    {
        Senders = ["resnet(1,1,1,1)", "resnet(2,1,1,1)"], Receivers = ["resnet(2,2,2,2)"], Variants = ["all"], StitchSeeds = [0, 3],
        StitchesPerJob = stitchesPerJob, Stitch = new StitchSettings { BatchNorm = true },
    };

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(12)]
    [InlineData(64)]
    [InlineData(1000)]
    public void Groups_hold_every_planned_stitch_once_with_its_shape_and_at_most_the_job_size(int stitchesPerJob)
    {
        var plan = SweepPlan.Create(Spec(stitchesPerJob));
        var groups = plan.StitchGroups.ToList();

        var expanded = groups.SelectMany(g => g.Tasks()).ToList();
        Assert.Equal(plan.Stitches.OrderBy(t => t.Id), expanded.OrderBy(t => t.Id)); // records: ids, shapes (with batch norm) and models equal
        Assert.All(groups, g => Assert.InRange(g.Count, 1, stitchesPerJob));
        Assert.Equal(groups.Count, groups.Select(JobIds.ForStitches).Distinct().Count());
        Assert.All(groups, g => Assert.InRange(JobIds.ForStitches(g).Length, 1, 128)); // Service Bus message id limit
    }

    [Fact]
    public void A_group_takes_whole_receiver_layers_while_they_fit_so_the_engine_batches_them()
    {
        // resnet(1,1,1,1) has 5 layers: 12 stitches per job = 2 receiver layers of 5 sender layers each
        var plan = SweepPlan.Create(Spec(12) with { Senders = ["resnet(1,1,1,1)"], Variants = ["trained->trained"], StitchSeeds = [0] });
        var groups = plan.StitchGroups.ToList();

        Assert.Equal([2, 2, 2, 2, 1], groups.Select(g => g.ReceiverLayers.Count));
        Assert.All(groups, g => Assert.Equal(5, g.SenderLayers.Count));
    }

    [Fact]
    public void The_papers_full_experiment_is_about_a_thousand_jobs_instead_of_fifty_thousand()
    {
        var plan = SweepPlan.Create(PlatformBenchmark.PaperExperiment());

        Assert.Equal(50_176, plan.Stitches.Count());
        var jobs = plan.StitchGroups.Count();
        Assert.InRange(jobs, 1_024, 2 * 1_024); // one per (pair, variant), split only where a grid has more than 64 cells
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(1001)]
    public void Job_size_out_of_range_is_refused_naming_the_field(int stitchesPerJob)
    {
        var errors = SweepSpecValidator.Validate(new SweepSpec { StitchesPerJob = stitchesPerJob });

        Assert.Contains(errors, e => e.Field == "stitchesPerJob" && e.Message.Contains("1..1000"));
    }
}
