using Stitching.Engine.Data;
using Stitching.Engine.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Data;

public sealed class AugmentationTests
{
    public AugmentationTests() => TorchRuntime.EnsureLoadable();

    // (16, 3, 32, 32), every value distinct, so a crop identifies its offset.
    private static Tensor DistinctImages() => arange(16 * 3 * 32 * 32, dtype: ScalarType.Float32).view(16, 3, 32, 32).add_(1);

    [Fact]
    public void Augmentation_keeps_the_shape_and_repeats_exactly_for_the_same_seed()
    {
        using var scope = NewDisposeScope();
        var images = DistinctImages();
        var options = AugmentationOptions.For(DatasetOptions.Cifar10);

        var first = Augmentation.Apply(images, options, new Generator(42));
        var again = Augmentation.Apply(images, options, new Generator(42));
        var other = Augmentation.Apply(images, options, new Generator(43));

        Assert.Equal(images.shape, first.shape);
        Assert.True(first.SameAs(again));
        Assert.False(first.SameAs(other));
    }

    [Fact]
    public void Each_crop_is_a_32x32_window_of_the_four_pixel_zero_padded_image()
    {
        using var scope = NewDisposeScope();
        var images = DistinctImages();

        var cropped = Augmentation.RandomCrop(images, padding: 4, new Generator(1));

        var padded = nn.functional.pad(images, [4, 4, 4, 4]);
        var offsets = new HashSet<(int, int)>();
        for (var b = 0; b < 16; b++)
        {
            var match = (from dy in Enumerable.Range(0, 9)
                         from dx in Enumerable.Range(0, 9)
                         where padded[b, .., dy..(dy + 32), dx..(dx + 32)].SameAs(cropped[b])
                         select (dy, dx)).ToList();
            Assert.Single(match);
            offsets.Add(match[0]);
        }
        Assert.True(offsets.Count > 1, "offsets are drawn per image, not once per batch");
    }

    [Fact]
    public void Crop_padding_takes_the_per_channel_fill_value()
    {
        using var scope = NewDisposeScope();
        var images = ones(64, 3, 32, 32);
        float[] fill = [-1f, -2f, -3f];

        var cropped = Augmentation.RandomCrop(images, padding: 4, new Generator(0), fill);

        for (var channel = 0; channel < 3; channel++)
        {
            var values = cropped[.., channel].unique().Item1.data<float>().ToArray();
            Assert.Subset(new HashSet<float> { 1f, fill[channel] }, values.ToHashSet());
        }
        Assert.True(cropped.lt(0).any().item<bool>(), "some of 64 crops reach into the padding");
    }

    [Fact]
    public void Flip_with_probability_one_mirrors_every_image_and_zero_none()
    {
        using var scope = NewDisposeScope();
        var images = DistinctImages();

        Assert.True(Augmentation.HorizontalFlip(images, new Generator(0), probability: 1).SameAs(images.flip(3)));
        Assert.True(Augmentation.HorizontalFlip(images, new Generator(0), probability: 0).SameAs(images));
    }

    [Fact]
    public void Only_cifar10_flips_by_default()
    {
        Assert.True(AugmentationOptions.For(DatasetOptions.Cifar10).HorizontalFlip);
        Assert.False(AugmentationOptions.For(DatasetOptions.FashionMnist).HorizontalFlip);
        Assert.Equal(4, AugmentationOptions.For(DatasetOptions.FashionMnist).CropPadding);
    }
}
