using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Results;

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

    [Theory]
    [InlineData(true, 0.100, 1, 1000, true)]   // collapsed onto one class, as NaN training ends
    [InlineData(true, 0.750, 1, 1000, true)]   // one class is never a trained network, whatever the test set's balance
    [InlineData(true, 0.100, 4, 100, true)]    // at chance
    [InlineData(true, 0.140, 6, 100, true)]    // above it, but 100 images cannot tell (Wilson low 0.085)
    [InlineData(true, 0.175, 3, 100, false)]   // 100 images tell it from chance (Wilson low 0.112)
    [InlineData(true, 0.125, 7, 10000, false)] // 10,000 images tell 12.5% from chance
    [InlineData(false, 0.100, 1, 1000, false)] // random controls are meant to be at chance
    public void A_trained_model_is_indistinguishable_from_chance_when_it_predicts_one_class_or_its_interval_reaches_chance(
        bool trained, double accuracy, int classes, int testImages, bool expected)
    {
        var model = Model(trained, accuracy) with { PredictedClasses = classes };
        Assert.Equal(expected, NearChance.Indistinguishable(model, testImages));
    }

    [Theory]
    [InlineData(3, 0.66, "near chance (33.3%)")]   // a three-class image folder: twice chance is two thirds
    [InlineData(3, 0.67, null)]
    [InlineData(100, 0.019, "near chance (1%)")]   // CIFAR-100: twice chance is 2%
    [InlineData(100, 0.02, null)]
    [InlineData(2, 0.74, "near chance (50%)")]     // two classes: capped halfway to perfect, not at twice chance (100%)
    [InlineData(2, 0.75, null)]
    public void Chance_is_one_over_the_models_own_class_count(int classes, double accuracy, string? warning)
    {
        var model = Model(true, accuracy) with { Classes = classes };

        Assert.Equal(warning is not null, NearChance.Applies(model));
        if (warning is null) Assert.Null(NearChance.Warning(model));
        else Assert.Contains(warning, NearChance.Warning(model));
    }

    [Fact]
    public void A_model_recorded_without_its_class_count_is_judged_against_ten_classes()
    {
        Assert.Equal(10, Model(true, 0.5).ChanceClasses);
        // 30% of 10,000 images: far above a tenth, but not above a third.
        Assert.False(NearChance.Indistinguishable(Model(true, 0.30) with { PredictedClasses = 9 }, 10_000));
        Assert.True(NearChance.Indistinguishable(Model(true, 0.30) with { PredictedClasses = 3, Classes = 3 }, 10_000));
    }
}
