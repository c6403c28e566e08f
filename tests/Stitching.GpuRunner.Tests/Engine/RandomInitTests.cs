using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Data;
using Stitching.Engine.Models;
using Stitching.Engine.Native;
using Stitching.Engine.Training;
using Stitching.GpuRunner.Tests.Data;
using Stitching.Platform.Coordination;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

public sealed class RandomInitTests(ITestOutputHelper output)
{
    private static readonly ResNetSpec ResNet18 = ResNetSpec.Parse("resnet18");

    static RandomInitTests() => TorchRuntime.EnsureLoadable();

    [Fact]
    public void Kaiming_init_draws_conv_weights_with_fan_out_relu_std_and_sets_batch_norm_to_one_and_zero()
    {
        using var kaiming = ResNet.Create(ResNet18, 16, inChannels: 1, classes: 10, seed: 0, RandomInit.Kaiming);
        using var pytorch = ResNet.Create(ResNet18, 16, inChannels: 1, classes: 10, seed: 0, RandomInit.Pytorch);
        var defaults = pytorch.named_parameters().ToDictionary(p => p.name, p => p.parameter);

        foreach (var (name, w) in kaiming.named_parameters().Where(p => p.parameter.dim() == 4))
        {
            var fanOut = w.shape[0] * w.shape[2] * w.shape[3];
            var std = w.std().item<float>();
            // Kaiming normal, fan-out, ReLU gain: std sqrt(2 / fan_out); at least 16*3*3 = 144 draws per conv.
            Assert.InRange(std, 0.8 * Math.Sqrt(2.0 / fanOut), 1.2 * Math.Sqrt(2.0 / fanOut));
            Assert.False(w.allclose(defaults[name]), name);
        }
        foreach (var bn in kaiming.modules().OfType<BatchNorm2d>())
        {
            Assert.True(bn.weight!.eq(1).all().item<bool>());
            Assert.True(bn.bias!.eq(0).all().item<bool>());
        }
        // The linear layer keeps PyTorch's default (uniform in +-1/sqrt(fan_in)), as torchvision's ResNet does.
        var fc = kaiming.named_parameters().Single(p => p.name == "fc.weight").parameter;
        Assert.True(fc.abs().max().item<float>() <= 1 / Math.Sqrt(fc.shape[1]) + 1e-6);
    }

    [Fact]
    public void Batch_norm_statistics_from_one_pass_change_no_weight_and_match_the_direct_batch_statistics()
    {
        using var model = ResNet.Create(ResNetSpec.Parse("resnet(1,1,1,1)"), 4, inChannels: 1, classes: 10, seed: 2);
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        using var images = randn(300, 1, 32, 32, generator: new TorchSharp.torch.Generator(5));

        BatchNormStatistics.Estimate(model, images, batchSize: 100);

        Assert.False(model.training);
        Assert.All(model.parameters().Zip(before), p => Assert.True(p.First.eq(p.Second).all().item<bool>()));
        // The stem's batch norm sees conv1's output: its running mean is the mean over all 300 images, not a momentum blend.
        var conv1 = model.named_parameters().Single(p => p.name == "conv1.weight").parameter;
        using var _ = no_grad();
        var direct = nn.functional.conv2d(images, conv1, padding: [1, 1]).mean([0, 2, 3]);
        var bn1 = model.named_buffers().Single(b => b.name == "bn1.running_mean").buffer;
        Assert.True(bn1.allclose(direct, rtol: 1e-4, atol: 1e-5), $"running mean and direct mean differ by {(bn1 - direct).abs().max().item<float>()}");
        Assert.All(model.modules().OfType<BatchNorm2d>(), bn => Assert.Equal(0.1, bn.momentum));
    }

    [FashionMnistFact]
    public void A_random_width_16_resnet18_predicts_at_least_five_classes_on_real_images()
    {
        using var dataset = DatasetLoader.Load(new DatasetOptions { Folder = Requirement.FashionMnist(), TrainLimit = 2000, TestLimit = 1000, ValidationFraction = StitchSettings.DefaultHoldoutFraction });
        using var data = SweepData.From(dataset, CPU);
        using var folder = new TempFolder();
        var spec = new ModelSpec("resnet18", 16, "fashion-mnist", Seed: 0, Trained: false, TrainLimit: 2000, new TrainSettings());

        var (model, info) = new ModelRepository(folder.Path, CPU).GetOrCreate(spec, data);
        model.Dispose();

        Assert.True(info.PredictedClasses >= 5, $"{info.PredictedClasses} classes ({info.PredictionEntropyBits:F2} bits)");
        // The statistics come from the training part only: the 200 held-out images choose stitch weights.
        Assert.StartsWith("one pass over 1800 training images", info.BatchNormStatistics);
        Assert.Equal(RandomInit.Kaiming.Name(), info.ToResult().RandomInit);
        Assert.Equal(info.PredictedClasses, info.ToResult().PredictedClasses);
    }

    /// <summary>Not an assertion but the measurement behind batch-norm statistics from data: what each init predicts without them.</summary>
    [FashionMnistFact]
    public void Random_resnet18_prediction_spread_with_and_without_batch_norm_statistics_is_reported()
    {
        using var data = DatasetLoader.Load(new DatasetOptions { Folder = Requirement.FashionMnist(), TrainLimit = 2000, TestLimit = 1000 });
        var images = cat([data.TrainImages, data.HoldoutImages], 0);
        foreach (var init in Enum.GetValues<RandomInit>())
        {
            using var model = ResNet.Create(ResNet18, 16, data.Channels, data.Classes, seed: ModelSpec.RandomSeedOffset, init);
            model.eval();
            var identity = PredictionSpread.Run(x => model.call(x), data.TestImages, data.Classes);
            BatchNormStatistics.Estimate(model, images);
            var estimated = PredictionSpread.Run(x => model.call(x), data.TestImages, data.Classes);
            output.WriteLine($"{init}: default statistics {identity.DistinctClasses} classes ({identity.EntropyBits:F2} bits); "
                + $"statistics from {images.shape[0]} training images {estimated.DistinctClasses} classes ({estimated.EntropyBits:F2} bits)");
            Assert.True(estimated.EntropyBits >= 0 && estimated.EntropyBits <= Math.Log2(data.Classes) + 1e-9);
        }
    }

    [Fact]
    public void Prediction_spread_is_zero_bits_for_a_constant_predictor_and_log2_classes_for_a_balanced_one()
    {
        Assert.Equal(new PredictionSpread(0, 1), PredictionSpread.Of([0, 7, 0]));
        var balanced = PredictionSpread.Of([5, 5, 5, 5]);
        Assert.Equal(2, balanced.EntropyBits, 12);
        Assert.Equal(4, balanced.DistinctClasses);
    }
}
