using System.Globalization;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Stitching.Engine.Models;

/// <summary>
/// CIFAR-style ResNet of basic blocks (3x3 stem, no max-pool), split at stitchable layers: layer 0 is the
/// stem's output, layer k >= 1 the output of the k-th block in forward order (names from <see cref="ArchitectureCatalog"/>).
/// </summary>
public sealed class ResNet : Module<Tensor, Tensor>
{
    private readonly Conv2d conv1;
    private readonly BatchNorm2d bn1;
    private readonly Sequential layer1, layer2, layer3, layer4;
    private readonly Linear fc;
    // The same blocks as layer1..layer4, flattened in forward order; not registered a second time.
    private readonly Module<Tensor, Tensor>[] _blocks;

    public ResNetSpec Spec { get; }
    public int Width { get; }
    public IReadOnlyList<LayerInfo> Layers { get; }

    /// <param name="inChannels">The dataset's image channels (1 or 3).</param>
    /// <param name="classes">The dataset's class count: the head's outputs. No defaults: both come from the data.</param>
    public ResNet(ResNetSpec spec, int width, int inChannels, int classes) : base(spec.Name)
    {
        Spec = spec;
        Width = width;
        Layers = ArchitectureCatalog.Layers(spec, width);
        conv1 = Conv2d(inChannels, width, 3, stride: 1, padding: 1, bias: false);
        bn1 = BatchNorm2d(width);

        var stages = new Sequential[4];
        var blocks = new List<Module<Tensor, Tensor>>();
        long inC = width;
        for (var s = 0; s < 4; s++)
        {
            long outC = (long)width << s;
            var stage = Sequential();
            for (var b = 0; b < spec.Blocks[s]; b++)
            {
                var block = new BasicBlock($"{s + 1}.{b}", inC, outC, stride: b == 0 && s > 0 ? 2 : 1);
                stage.append(b.ToString(CultureInfo.InvariantCulture), block);
                blocks.Add(block);
                inC = outC;
            }
            stages[s] = stage;
        }
        (layer1, layer2, layer3, layer4) = (stages[0], stages[1], stages[2], stages[3]);
        fc = Linear(inC, classes);
        _blocks = blocks.ToArray();
        RegisterComponents();
    }

    /// <summary>Creates a network with its weights drawn from <paramref name="seed"/> as <paramref name="init"/> (<see cref="ResNetInit"/>) says.</summary>
    public static ResNet Create(ResNetSpec spec, int width, int inChannels, int classes, int seed, RandomInit init = RandomInit.Kaiming)
    {
        torch.manual_seed(seed);
        var model = new ResNet(spec, width, inChannels, classes);
        ResNetInit.Apply(model, init);
        return model;
    }

    /// <summary>Whether conv weights and inputs use NHWC strides (<see cref="ChannelsLast"/>); the values are the same either way.</summary>
    public bool IsChannelsLast { get; private set; }

    public MemoryLayout Layout => IsChannelsLast ? MemoryLayout.Nhwc : MemoryLayout.Nchw;

    /// <summary>Switches the memory layout of the conv weights; turn it off before saving a checkpoint.</summary>
    public void UseChannelsLast(bool on)
    {
        ChannelsLast.Convert(this, on);
        IsChannelsLast = on;
    }

    /// <summary>Switches to the layout <see cref="LayoutPolicy"/> chooses for this network on <paramref name="device"/>.</summary>
    public MemoryLayout UsePreferredLayout(Device device)
    {
        var layout = LayoutPolicy.Choose(this, device);
        UseChannelsLast(layout == MemoryLayout.Nhwc);
        return layout;
    }

    /// <summary>Every conv: its parameter name and (in, out) channels.</summary>
    public IEnumerable<(string Name, long In, long Out)> Convolutions() =>
        named_parameters().Where(p => p.parameter.dim() == 4).Select(p => (p.name, p.parameter.shape[1], p.parameter.shape[0]));

    public static bool IsStem(string convParameterName) => convParameterName.StartsWith("conv1.", StringComparison.Ordinal);

    public int LayerIndex(string name) =>
        Layers.FirstOrDefault(l => l.Name == name)?.Index
        ?? throw new ArgumentException($"Layer '{name}' does not exist in {Spec.Name}. Valid layers: {string.Join(", ", Layers.Select(l => l.Name))}.");

    public override Tensor forward(Tensor x) => ForwardSuffix(ForwardPrefix(x, Layers.Count - 1), Layers.Count - 1);

    /// <summary>The prefix: images (B, Cin, 32, 32) to the output of layer <paramref name="last"/> (inclusive).</summary>
    public Tensor ForwardPrefix(Tensor x, int last)
    {
        using var scope = NewDisposeScope();
        x = IsChannelsLast ? ChannelsLast.Of(x) : x.contiguous();
        var h = functional.relu(bn1.call(conv1.call(x)));
        for (var k = 1; k <= last; k++) h = _blocks[k - 1].call(h);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>The suffix after layer <paramref name="replaced"/>: takes what that layer would output, returns logits (B, classes).</summary>
    public Tensor ForwardSuffix(Tensor h, int replaced)
    {
        using var scope = NewDisposeScope();
        // NCHW networks get NCHW input: PyTorch runs a conv channels-last when its *input* is, whatever the weights.
        h = IsChannelsLast ? ChannelsLast.Of(h) : h.contiguous();
        for (var k = replaced + 1; k <= _blocks.Length; k++) h = _blocks[k - 1].call(h);
        var pooled = functional.adaptive_avg_pool2d(h, 1).flatten(1); // (B, C)
        return fc.call(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>Layer <paramref name="layer"/> (>= 1) alone: takes layer <paramref name="layer"/> - 1's output, returns its own (the kernel check's unit).</summary>
    public Tensor ForwardLayer(Tensor h, int layer)
    {
        using var scope = NewDisposeScope();
        h = IsChannelsLast ? ChannelsLast.Of(h) : h.contiguous();
        return _blocks[layer - 1].call(h).MoveToOuterDisposeScope();
    }

    /// <summary>The modules after layer <paramref name="replaced"/>, for freezing checks and precision casts.</summary>
    public IEnumerable<Module> SuffixModules(int replaced) => _blocks.Skip(replaced).Cast<Module>().Append(fc);
}
