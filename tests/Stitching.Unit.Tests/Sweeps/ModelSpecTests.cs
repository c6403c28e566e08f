using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;

namespace Stitching.Unit.Tests.Sweeps;

public class ModelSpecTests
{
    private static ModelSpec Spec(bool trained, RandomInit init = RandomInit.Kaiming, int? trainLimit = 3000) =>
        new("resnet18", 16, "fashion-mnist", 0, trained, trainLimit, new TrainSettings { RandomInit = init });

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_random_init_is_part_of_the_model_key(bool trained)
    {
        Assert.NotEqual(Spec(trained, RandomInit.Kaiming).Key, Spec(trained, RandomInit.Pytorch).Key);
        Assert.Equal(Spec(trained).Key, Spec(trained).Key);
    }

    [Fact]
    public void A_random_control_key_depends_on_the_training_subset_that_sets_its_batch_norm_statistics()
    {
        Assert.NotEqual(Spec(false, trainLimit: 3000).Key, Spec(false, trainLimit: 5000).Key);
    }

    [Fact]
    public void Sweep_specs_default_to_kaiming_and_read_random_init_from_json()
    {
        Assert.Equal(RandomInit.Kaiming, new SweepSpec().Model.RandomInit);

        var spec = JsonSerializer.Deserialize("""{"model":{"randomInit":"pytorch"}}""", SweepSpecJson.TypeInfo)!;

        Assert.Equal(RandomInit.Pytorch, spec.Model.RandomInit);
        Assert.Equal(new TrainSettings().Epochs, spec.Model.Epochs);
        Assert.Empty(SweepSpecValidator.Validate(spec));
    }

    [Fact]
    public void An_unknown_random_init_is_rejected_with_its_field_path()
    {
        var errors = SweepSpecValidator.Validate(new SweepSpec { Model = new TrainSettings { RandomInit = (RandomInit)99 } });

        var error = Assert.Single(errors);
        Assert.Equal("model.randomInit", error.Field);
        Assert.Contains("kaiming, pytorch", error.Message);
    }

    [Fact]
    public void An_unknown_random_init_in_json_names_its_path_and_the_allowed_names()
    {
        var e = Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"model":{"randomInit":"xavier"}}""", SweepSpecJson.TypeInfo));
        Assert.Equal("$.model.randomInit", e.Path);
        Assert.Contains("kaiming or pytorch", e.Message);
    }
}
