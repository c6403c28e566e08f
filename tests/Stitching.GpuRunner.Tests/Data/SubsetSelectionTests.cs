using Stitching.Engine.Data;
using Stitching.Engine.Native;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Data;

public sealed class SubsetSelectionTests : IDisposable
{
    private readonly TempFolder _folder = new();

    // 1000 labels, classes unevenly sized (class k has 10 + 18k images) to make balance non-trivial.
    private static readonly long[] SkewedLabels =
        Enumerable.Range(0, 10).SelectMany(k => Enumerable.Repeat((long)k, 10 + 18 * k)).ToArray();

    public SubsetSelectionTests() => TorchRuntime.EnsureLoadable();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Same_seed_selects_the_same_indices_and_another_seed_does_not()
    {
        var first = SubsetSelector.Select(SkewedLabels, 100, seed: 7);
        var again = SubsetSelector.Select(SkewedLabels, 100, seed: 7);
        var other = SubsetSelector.Select(SkewedLabels, 100, seed: 8);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Subset_has_the_requested_size_an_equal_share_per_class_and_no_repeats()
    {
        var subset = SubsetSelector.Select(SkewedLabels, 100, seed: 0);

        Assert.Equal(100, subset.Length);
        Assert.Equal(100, subset.Distinct().Count());
        Assert.All(subset.GroupBy(i => SkewedLabels[i]), g => Assert.Equal(10, g.Count()));
        Assert.Equal(subset.Order(), subset);
    }

    [Fact]
    public void Small_classes_give_their_all_and_the_rest_is_shared_by_the_others()
    {
        // Class 0 has only 10 images; asking 200 = 20 per class cannot be met for it.
        var subset = SubsetSelector.Select(SkewedLabels, 200, seed: 0);

        var perClass = subset.GroupBy(i => SkewedLabels[i]).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(200, subset.Length);
        Assert.Equal(10, perClass[0]);
        Assert.All(Enumerable.Range(1, 9), k => Assert.InRange(perClass[k], 21, 22));
    }

    [Fact]
    public void Smaller_limit_with_the_same_seed_is_a_subset_of_a_larger_one()
    {
        var small = SubsetSelector.Select(SkewedLabels, 50, seed: 3);
        var large = SubsetSelector.Select(SkewedLabels, 300, seed: 3);

        Assert.Subset(large.ToHashSet(), small.ToHashSet());
    }

    [Fact]
    public void Holdout_is_disjoint_from_training_balanced_and_deterministic()
    {
        var (train, holdout) = SubsetSelector.SplitHoldout(SkewedLabels, 500, holdoutFraction: 0.2, seed: 1);
        var (trainAgain, holdoutAgain) = SubsetSelector.SplitHoldout(SkewedLabels, 500, holdoutFraction: 0.2, seed: 1);

        Assert.Equal((400, 100), (train.Length, holdout.Length));
        Assert.Empty(train.Intersect(holdout));
        Assert.Equal(train, trainAgain);
        Assert.Equal(holdout, holdoutAgain);
        Assert.All(holdout.GroupBy(i => SkewedLabels[i]), g => Assert.Equal(10, g.Count()));
    }

    [Fact]
    public void Loader_applies_limits_and_holdout_and_repeats_them_for_the_same_seed()
    {
        SyntheticIdx.WriteDataset(_folder.Path, train: 200, test: 100);
        var options = new DatasetOptions
        {
            Folder = _folder.Path, TrainLimit = 50, TestLimit = 30, ValidationFraction = 0.2, SubsetSeed = 5,
        };

        using var first = DatasetLoader.Load(options);
        using var again = DatasetLoader.Load(options);
        using var other = DatasetLoader.Load(options with { SubsetSeed = 6 });

        Assert.Equal(new long[] { 40, 1, 32, 32 }, first.TrainImages.shape);
        Assert.Equal(new long[] { 10, 1, 32, 32 }, first.HoldoutImages.shape);
        Assert.Equal(new long[] { 30, 1, 32, 32 }, first.TestImages.shape);
        Assert.Equal(10, first.HoldoutLabels.unique().Item1.shape[0]);
        Assert.True(first.TrainImages.SameAs(again.TrainImages));
        Assert.True(first.HoldoutImages.SameAs(again.HoldoutImages));
        Assert.True(first.TestLabels.SameAs(again.TestLabels));
        Assert.False(first.TrainImages.SameAs(other.TrainImages));
    }
}
