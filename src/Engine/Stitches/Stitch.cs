using Stitching.Domain.Stitches;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Stitching.Engine.Stitches;

/// <summary>
/// The trainable map from a sender layer's output to what a receiver layer would output: 1x1 conv,
/// k x k conv with stride k (downsampling), or nearest upsampling by k with a 1x1 conv (seed paper, section 1.2).
/// </summary>
public sealed class Stitch : Module<Tensor, Tensor>
{
    private readonly BatchNorm2d? bnIn;
    private readonly Conv2d conv;
    private readonly BatchNorm2d? bnOut;
    private readonly int _upsample;

    public StitchShape Shape { get; }

    public Stitch(StitchShape shape) : base("stitch")
    {
        Shape = shape;
        if (shape.BatchNorm) bnIn = BatchNorm2d(shape.InChannels);
        conv = Conv2d(shape.InChannels, shape.OutChannels, shape.KernelSize, stride: shape.KernelSize, bias: true);
        if (shape.BatchNorm) bnOut = BatchNorm2d(shape.OutChannels);
        _upsample = shape.Kind == StitchKind.UpsampleConv1x1 ? shape.Factor : 1;
        RegisterComponents();
    }

    public static Stitch Create(StitchShape shape, int seed)
    {
        torch.manual_seed(seed);
        return new Stitch(shape);
    }

    /// <summary>(B, Cin, S, S) to (B, Cout, R, R).</summary>
    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        if (bnIn is not null) x = bnIn.call(x);
        var h = conv.call(x);
        if (bnOut is not null) h = bnOut.call(h);
        // A 1x1 conv (and per-channel BN) commutes with nearest upsampling, so convolving at the sender's
        // resolution first is exact and k^2 times cheaper.
        if (_upsample > 1) h = h.repeat_interleave(_upsample, 2).repeat_interleave(_upsample, 3);
        return h.MoveToOuterDisposeScope();
    }

    /// <summary>Sets the conv to the given map (e.g. identity, or a least-squares fit). weight (Cout, Cin, k, k), bias (Cout).</summary>
    public void SetLinearMap(Tensor weight, Tensor bias)
    {
        using var _ = no_grad();
        conv.weight!.copy_(weight);
        conv.bias!.copy_(bias);
    }

    /// <summary>Identity map for equal channel counts (a 1x1 stitch into the same layer of the same network).</summary>
    public void SetIdentity()
    {
        if (Shape.Kind != StitchKind.Conv1x1 || Shape.InChannels != Shape.OutChannels)
            throw new InvalidOperationException("An identity stitch needs a 1x1 conv between layers of equal shape.");
        using var eye = torch.eye(Shape.InChannels).reshape(Shape.OutChannels, Shape.InChannels, 1, 1);
        using var zeros = torch.zeros(Shape.OutChannels);
        SetLinearMap(eye, zeros);
    }
}
