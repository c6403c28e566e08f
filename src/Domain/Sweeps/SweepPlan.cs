using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Stitches;

namespace Stitching.Domain.Sweeps;

/// <summary>A sweep expanded into the models it needs and the stitches it trains, in a stable order.</summary>
public sealed record SweepPlan(SweepSpec Spec, IReadOnlyList<Variant> Variants, IReadOnlyList<PairPlan> Pairs)
{
    public IEnumerable<ModelSpec> Models => Pairs.SelectMany(p => p.Models).DistinctBy(m => m.Key);
    public IEnumerable<StitchTask> Stitches => Pairs.SelectMany(p => p.Stitches);
    /// <summary>The stitches as the platform queues them: groups of at most <see cref="SweepSpec.StitchesPerJob"/>.</summary>
    public IEnumerable<StitchGroup> StitchGroups => Pairs.SelectMany(p => p.Groups);

    /// <summary>The stitch groups a submission queues: one job per distinct job id (a self-stitch's variants can coincide).</summary>
    public IEnumerable<StitchGroup> StitchJobs => StitchGroups.DistinctBy(JobIds.ForStitches);

    public static SweepPlan Create(SweepSpec spec)
    {
        var variants = Sweeps.Variants.ParseList(string.Join(',', spec.Variants));
        var pairs = new List<PairPlan>();
        foreach (var s in spec.Senders)
        foreach (var r in spec.Receivers)
            pairs.Add(PairPlan.Create(spec, ResNetSpec.Parse(s), ResNetSpec.Parse(r), variants));
        return new SweepPlan(spec, variants, pairs);
    }
}

/// <summary>One ordered (sender architecture, receiver architecture) pair of a sweep.</summary>
public sealed record PairPlan(
    ResNetSpec SenderArch,
    ResNetSpec ReceiverArch,
    IReadOnlyList<LayerInfo> SenderLayers,
    IReadOnlyList<LayerInfo> ReceiverLayers,
    IReadOnlyList<ModelSpec> Models,
    IReadOnlyList<StitchTask> Stitches,
    IReadOnlyList<StitchGroup> Groups)
{
    public static PairPlan Create(SweepSpec spec, ResNetSpec senderArch, ResNetSpec receiverArch, IReadOnlyList<Variant> variants)
    {
        var senderLayers = Select(ArchitectureCatalog.Layers(senderArch, spec.Width), spec.SenderLayers, senderArch);
        var receiverLayers = Select(ArchitectureCatalog.Layers(receiverArch, spec.Width), spec.ReceiverLayers, receiverArch);
        ModelSpec Model(ResNetSpec arch, int seed, bool trained) =>
            new(arch.Name, spec.Width, spec.Dataset, seed, trained, spec.TrainLimit, spec.Model) { HoldoutFraction = spec.Stitch.HoldoutFraction };

        var stitches = new List<StitchTask>();
        var models = new List<ModelSpec>();
        var groups = new List<StitchGroup>();
        foreach (var (senderSeed, receiverSeed) in spec.ModelSeedPairs())
        foreach (var variant in variants)
        {
            var sender = Model(senderArch, senderSeed, variant.SenderTrained());
            var receiver = Model(receiverArch, receiverSeed, variant.ReceiverTrained());
            models.Add(sender);
            models.Add(receiver);
            foreach (var seed in spec.StitchSeeds)
                groups.AddRange(StitchGroup.Partition(variant, sender, receiver, senderLayers.Select(l => l.Name).ToList(),
                    receiverLayers.Select(l => l.Name).ToList(), seed, spec.Stitch.BatchNorm, spec.StitchesPerJob));
            foreach (var seed in spec.StitchSeeds)
            foreach (var i in senderLayers)
            foreach (var j in receiverLayers)
                stitches.Add(new StitchTask(variant, sender, i.Name, receiver, j.Name, StitchShape.Between(i, j, spec.Stitch.BatchNorm), seed));
        }
        return new PairPlan(senderArch, receiverArch, senderLayers, receiverLayers, models.DistinctBy(m => m.Key).ToList(), stitches, groups);
    }

    private static IReadOnlyList<LayerInfo> Select(IReadOnlyList<LayerInfo> all, IReadOnlyList<string>? names, ResNetSpec arch)
    {
        if (names is null || names.Count == 0) return all;
        return names.Select(n => all.FirstOrDefault(l => l.Name == n)
            ?? throw new ArgumentException($"Layer '{n}' does not exist in {arch.Name}. Valid layers: {string.Join(", ", all.Select(l => l.Name))}."))
            .ToList();
    }
}
