using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Engine.Models;
using Stitching.Engine.Native;
using static TorchSharp.torch;

namespace Stitching.GpuRunner.Tests.Engine;

public class ChannelsLastTests
{
    public ChannelsLastTests() => TorchRuntime.EnsureLoadable();

    [Fact]
    public void Channels_last_weights_give_the_same_logits_and_switch_back_to_the_same_contiguous_values()
    {
        using var model = ResNet.Create(ResNetSpec.Parse("resnet(1,2,1,1)"), 4, inChannels: 3, classes: 10, seed: 3);
        model.eval();
        foreach (var p in model.parameters()) p.requires_grad = false;
        var before = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var x = randn(5, 3, 32, 32);
        using var plain = model.call(x).detach();

        model.UseChannelsLast(true);
        var convWeights = model.named_parameters().Where(p => p.parameter.dim() == 4).ToList();
        Assert.Equal(1 + 2 * 5 + 3, convWeights.Count); // stem, two per block, projection shortcuts of stages 2-4
        Assert.All(convWeights, p => Assert.True(ChannelsLast.IsChannelsLast(p.parameter), p.name));
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
        using var nhwc = model.call(x).detach();
        Assert.True(nhwc.allclose(plain, rtol: 1e-4, atol: 1e-5), $"max diff {(nhwc - plain).abs().max().item<float>()}");

        model.UseChannelsLast(false);
        foreach (var (name, value) in model.state_dict())
        {
            Assert.True(value.is_contiguous(), name);
            Assert.True(value.eq(before[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void Channels_last_of_a_tensor_keeps_values_and_gradients()
    {
        using var x = randn(2, 3, 4, 5).requires_grad_(true);
        using var y = ChannelsLast.Of(x);
        Assert.True(ChannelsLast.IsChannelsLast(y));
        Assert.False(ChannelsLast.IsChannelsLast(x));
        Assert.True(y.eq(x).all().item<bool>());
        Assert.Same(y, ChannelsLast.Of(y));
        (y * y).sum().backward();
        Assert.True(x.grad!.allclose(2 * x));
    }
}
