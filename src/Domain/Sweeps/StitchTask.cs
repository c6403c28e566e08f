using Stitching.Domain.Stitches;

namespace Stitching.Domain.Sweeps;

/// <summary>One stitch to train: a cell of one variant's matrix for one (sender, receiver) pair and stitch seed.</summary>
public sealed record StitchTask(
    Variant Variant,
    ModelSpec Sender,
    string SenderLayer,
    ModelSpec Receiver,
    string ReceiverLayer,
    StitchShape Shape,
    int StitchSeed)
{
    /// <summary>Deterministic id: the same cell of the same sweep always has the same id (used for dedup and resume).</summary>
    public string Id => $"{Variant.Slug()}_{Sender.Key}_{SenderLayer}_{Receiver.Key}_{ReceiverLayer}_s{StitchSeed}";
}
