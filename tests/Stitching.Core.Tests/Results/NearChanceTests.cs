using Stitching.Core.Results;

namespace Stitching.Core.Tests.Results;

public class NearChanceTests
{
    private static ModelResult Model(bool trained, double accuracy) => new("resnet(1,1,1,1)", 16, "fashion-mnist", 3, trained, 1, 1000, accuracy, 2.3);

    [Fact]
    public void A_trained_model_below_twice_chance_is_near_chance_and_a_random_control_never_is()
    {
        Assert.Equal("trained resnet(1,1,1,1) (seed 3) scores 19.9%, near chance (10%): its matrices measure nothing.", NearChance.Warning(Model(true, 0.199)));
        Assert.Null(NearChance.Warning(Model(true, 0.2)));
        Assert.Null(NearChance.Warning(Model(false, 0.1)));
        Assert.Null(NearChance.Warning(Model(true, double.NaN)));
    }
}
