using TorchSharp;

namespace Stitching.GpuRunner.Tests.Data;

public static class TensorAssertions
{
    /// <summary>Same shape and every element equal (TorchSharp's <c>equal</c> is element-wise).</summary>
    public static bool SameAs(this torch.Tensor actual, torch.Tensor expected) =>
        actual.shape.SequenceEqual(expected.shape) && actual.eq(expected).all().item<bool>();
}
