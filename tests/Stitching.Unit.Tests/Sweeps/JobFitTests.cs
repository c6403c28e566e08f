using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Sweeps;

namespace Stitching.Unit.Tests.Sweeps;

/// <summary>
/// Every job of a submission fits one runner execution: stitch jobs are sized down to the replica timeout, and a sweep
/// whose single unit (one model, one stitch) cannot fit is refused with the numbers. Estimates on the T4 calibration.
/// </summary>
public class JobFitTests
{
    private static readonly DatasetInfo FashionMnist = DatasetInfo.BuiltIn("fashion-mnist")!;

    /// <summary>One pair, 4 sender x 4 receiver layers at width 16: 16 stitches, one job of 64 by default.</summary>
    private static SweepPlan Plan(int modelEpochs = 1, int stitchEpochs = 10, int stitchesPerJob = SweepSpec.DefaultStitchesPerJob) =>
        SweepPlan.Create(new SweepSpec
        {
            Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], Width = 16, TrainLimit = 5_000, TestLimit = 1_000,
            Variants = ["trained->trained"], SenderLayers = ["stem", "1.0", "2.0", "3.0"], ReceiverLayers = ["1.0", "2.0", "3.0", "4.0"],
            Model = new TrainSettings { Epochs = modelEpochs }, Stitch = new StitchSettings { Epochs = stitchEpochs }, StitchesPerJob = stitchesPerJob,
        });

    private static double OneJobSeconds(SweepPlan plan) => JobFit.Size(plan, FashionMnist, new SweepLimitOptions()).Fit.LongestStitchJobSeconds;

    [Fact]
    public void Under_the_default_replica_timeout_a_small_sweep_keeps_its_jobs()
    {
        var plan = Plan();

        var (sized, fit) = JobFit.Size(plan, FashionMnist, new SweepLimitOptions());

        Assert.Same(plan, sized);
        Assert.Null(fit.Problem);
        Assert.Equal((64, 64), (fit.RequestedStitchesPerJob, fit.StitchesPerJob));
        Assert.Equal(7_200, fit.ReplicaTimeoutSeconds);
        Assert.Equal(3_600, fit.BudgetSeconds);
        Assert.Contains("T4", fit.Device);
        Assert.Single(sized.StitchJobs);
    }

    [Fact]
    public void A_replica_timeout_below_one_jobs_estimate_splits_the_jobs_until_each_fits_and_the_spec_records_the_size()
    {
        // Given a limit whose budget is 40% of the one-job estimate
        var plan = Plan();
        var whole = OneJobSeconds(plan);
        var limits = new SweepLimitOptions { ReplicaTimeoutSeconds = whole * 0.4 / 0.5 };

        // When the plan is sized
        var (sized, fit) = JobFit.Size(plan, FashionMnist, limits);

        // Then jobs are smaller, each under the budget, every stitch is still planned once, and replanning the stored spec makes the same jobs
        Assert.Null(fit.Problem);
        Assert.True(fit.StitchesPerJob < 16, $"stitches per job {fit.StitchesPerJob}");
        Assert.Equal(fit.StitchesPerJob, sized.Spec.StitchesPerJob);
        Assert.True(sized.StitchJobs.Count() > 2, $"{sized.StitchJobs.Count()} jobs");
        Assert.InRange(fit.LongestStitchJobSeconds, 0, limits.JobBudgetSeconds);
        Assert.Equal(plan.Stitches.Select(t => t.Id).Order(), sized.StitchJobs.SelectMany(g => g.Tasks()).Select(t => t.Id).Order());
        Assert.Equal(sized.StitchJobs.Select(JobIds.ForStitches), SweepPlan.Create(sized.Spec).StitchJobs.Select(JobIds.ForStitches));
        // And the largest size that fits was taken: one more stitch per job would not fit
        Assert.True(JobFit.Size(SweepPlan.Create(plan.Spec with { StitchesPerJob = fit.StitchesPerJob + 1 }), FashionMnist,
            limits).Fit.StitchesPerJob <= fit.StitchesPerJob);
    }

    [Fact]
    public void A_model_longer_than_the_budget_is_refused_with_its_estimate_and_the_limit()
    {
        var plan = Plan(modelEpochs: 200);

        var (_, fit) = JobFit.Size(plan, FashionMnist, new SweepLimitOptions { ReplicaTimeoutSeconds = 20 });

        Assert.NotNull(fit.Problem);
        Assert.Contains("Model job resnet1-1-1-1-w16", fit.Problem);
        Assert.Contains("200 epochs on 5,000 images", fit.Problem);
        Assert.Contains("one job may take 10 s, 50% of the runner's 20 s replica timeout (Stitching:Limits:ReplicaTimeoutSeconds", fit.Problem);
        Assert.True(fit.LongestModelJobSeconds > 10, $"{fit.LongestModelJobSeconds}");
        Assert.Contains($"estimated at {fit.LongestModelJobSeconds:N0} s", fit.Problem);
        Assert.Equal(0, fit.StitchesPerJob);
    }

    [Fact]
    public void A_single_stitch_longer_than_the_budget_is_refused_naming_it()
    {
        var plan = Plan(stitchEpochs: 50);
        var oneStitch = JobFit.Size(SweepPlan.Create(plan.Spec with { StitchesPerJob = 1 }), FashionMnist, new SweepLimitOptions()).Fit.LongestStitchJobSeconds;

        var (_, fit) = JobFit.Size(plan, FashionMnist, new SweepLimitOptions { ReplicaTimeoutSeconds = oneStitch * 0.9 / 0.5 });

        Assert.NotNull(fit.Problem);
        Assert.Contains("The stitch resnet(1,1,1,1) ", fit.Problem);
        Assert.Contains("alone is estimated at", fit.Problem);
        Assert.Equal(Math.Round(oneStitch, 1), fit.LongestStitchJobSeconds);
    }

    [Fact]
    public void Limits_that_make_no_sense_stop_the_host()
    {
        Assert.Contains("ReplicaTimeoutSeconds", new SweepLimitOptions { ReplicaTimeoutSeconds = 0 }.Problem());
        Assert.Contains("JobShare", new SweepLimitOptions { JobShare = 1.5 }.Problem());
        Assert.Null(new SweepLimitOptions { ReplicaTimeoutSeconds = 600, JobShare = 1 }.Problem());
    }
}
