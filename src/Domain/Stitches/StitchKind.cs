namespace Stitching.Domain.Stitches;

/// <summary>The stitch families of the seed paper (section 1.2).</summary>
public enum StitchKind
{
    /// <summary>Same spatial size: 1x1 convolution.</summary>
    Conv1x1,
    /// <summary>Sender larger by an integer factor k: k x k convolution with stride k.</summary>
    StridedConv,
    /// <summary>Sender smaller by an integer factor k: nearest upsample by k, then 1x1 convolution.</summary>
    UpsampleConv1x1,
}
