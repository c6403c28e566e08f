using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Unit.Tests.Sweeps;

/// <summary>
/// Model keys and job ids key stored checkpoints and results. They embed the dataset and init names, so the typed
/// settings must render them exactly as the strings did. The expected values were computed on the string-typed code.
/// </summary>
public sealed class TypedSettingsCompatibilityTests
{
    [Fact]
    public void Default_model_keys_and_job_ids_are_unchanged()
    {
        // The defaults of the time the expected keys were computed (width 16, 6 model epochs), given explicitly since the
        // defaults became the README's recipe (width 8, 15 epochs): what is anchored is how typed settings render, for
        // the same settings, not which settings are the default.
        var plan = SweepPlan.Create(new SweepSpec { SenderLayers = ["stem"], ReceiverLayers = ["2.0"], Width = 16, Model = new TrainSettings { Epochs = 6 } });
        var actual = string.Join("\n", plan.Models.Select(m => m.Key).Concat(plan.StitchJobs.Select(JobIds.ForStitches))
            .Concat(plan.Stitches.Select(JobIds.ForStitch)));
        Assert.Equal(Expected, actual);
    }

    private const string Expected = """
        resnet1-1-1-1-w16-fashion-mnist-s0-trained-6f6f3a2f7f29
        resnet18-w16-fashion-mnist-s1-trained-276236fdf9e4
        resnet1-1-1-1-w16-fashion-mnist-s0-random-2915c7d75be2
        resnet18-w16-fashion-mnist-s1-random-c9c2fafd26d0
        stitches-trained-trained-2.0-s0-47f9f7ae19cebcde
        stitches-random-trained-2.0-s0-d2172c8c2c3b61dc
        stitches-trained-random-2.0-s0-8e58ba5b051d1ad8
        stitches-random-random-2.0-s0-01d1c070aeda4f2f
        stitch-trained-trained-stem-2.0-s0-28ba647e2a8d0b1e
        stitch-random-trained-stem-2.0-s0-ab90450c27dc894f
        stitch-trained-random-stem-2.0-s0-7a74f9c80bb18339
        stitch-random-random-stem-2.0-s0-59ebb1f0f7bafd09
        """;
}
