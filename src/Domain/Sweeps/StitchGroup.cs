using Stitching.Domain.Architectures;
using Stitching.Domain.Stitches;

namespace Stitching.Domain.Sweeps;

/// <summary>
/// The stitches one queued job trains: every listed sender layer into every listed receiver layer, for one variant of
/// one (sender, receiver) pair and stitch seed. A job of many stitches loads its two models once, computes each sender
/// layer's activations once for all its receiver layers, and trains the stitches into one receiver layer in one batched
/// loop; it also keeps the queue and the jobs table small (the paper's full experiment is 1,060 stitch jobs, not 50,176).
/// Layer names keep the message small; <see cref="Tasks"/> expands them with the catalogue's shapes.
/// </summary>
public sealed record StitchGroup(
    Variant Variant,
    ModelSpec Sender,
    ModelSpec Receiver,
    IReadOnlyList<string> SenderLayers,
    IReadOnlyList<string> ReceiverLayers,
    int StitchSeed,
    bool BatchNorm)
{
    public int Count => SenderLayers.Count * ReceiverLayers.Count;

    /// <summary>The group's stitches, sender layer by sender layer, in the order of <see cref="PairPlan.Stitches"/>.</summary>
    public IReadOnlyList<StitchTask> Tasks()
    {
        var senderLayers = ArchitectureCatalog.Layers(ResNetSpec.Parse(Sender.Arch), Sender.Width);
        var receiverLayers = ArchitectureCatalog.Layers(ResNetSpec.Parse(Receiver.Arch), Receiver.Width);
        LayerInfo Find(IReadOnlyList<LayerInfo> all, string name, ModelSpec model) => all.FirstOrDefault(l => l.Name == name)
            ?? throw new ArgumentException($"Layer '{name}' does not exist in {model.Arch}.");
        return SenderLayers.SelectMany(i => ReceiverLayers.Select(j =>
        {
            var shape = StitchShape.Between(Find(senderLayers, i, Sender), Find(receiverLayers, j, Receiver), BatchNorm);
            return new StitchTask(Variant, Sender, i, Receiver, j, shape, StitchSeed);
        })).ToList();
    }

    /// <summary>
    /// Splits one variant's layer grid into groups of at most <paramref name="stitchesPerJob"/> stitches: whole
    /// receiver layers (all sender layers into them) while they fit, since the engine batches by receiver layer;
    /// sender layers are split only when one receiver layer alone is too many.
    /// </summary>
    public static IEnumerable<StitchGroup> Partition(Variant variant, ModelSpec sender, ModelSpec receiver, IReadOnlyList<string> senderLayers,
        IReadOnlyList<string> receiverLayers, int stitchSeed, bool batchNorm, int stitchesPerJob)
    {
        if (stitchesPerJob < 1) throw new ArgumentOutOfRangeException(nameof(stitchesPerJob), "A job holds at least one stitch.");
        var receiversPerJob = Math.Max(1, stitchesPerJob / senderLayers.Count);
        var sendersPerJob = Math.Min(senderLayers.Count, stitchesPerJob);
        foreach (var receivers in receiverLayers.Chunk(receiversPerJob))
        foreach (var senders in senderLayers.Chunk(sendersPerJob))
            yield return new StitchGroup(variant, sender, receiver, senders, receivers, stitchSeed, batchNorm);
    }
}
