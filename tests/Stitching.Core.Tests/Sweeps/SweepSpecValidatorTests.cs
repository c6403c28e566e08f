using Stitching.Core.Contracts;
using Stitching.Core.Sweeps;

namespace Stitching.Core.Tests.Sweeps;

public class SweepSpecValidatorTests
{
    [Fact]
    public void Identity_init_is_accepted_only_between_layers_of_equal_shape()
    {
        var same = new SweepSpec { Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"], SenderLayers = ["1.0"], ReceiverLayers = ["1.0", "stem"],
            Stitch = new StitchSettings { Init = "identity" } };
        Assert.Empty(SweepSpecValidator.Validate(same));

        var different = same with { ReceiverLayers = ["1.0", "2.0"] };
        var error = Assert.Single(SweepSpecValidator.Validate(different));
        Assert.Equal("stitch.init", error.Field);
        Assert.Contains("1.0 -> resnet(1,1,1,1) 2.0", error.Message);
    }

    [Fact]
    public void Unknown_optimizer_and_init_are_named()
    {
        var spec = new SweepSpec { Stitch = new StitchSettings { Optimizer = "adamw", Init = "xavier" } };
        var fields = SweepSpecValidator.Validate(spec).Select(e => e.Field).ToList();
        Assert.Equal(["stitch.optimizer", "stitch.init"], fields);
    }
}
