namespace Stitching.Domain.Contracts;

/// <summary>
/// A stitching sweep: every ordered (sender, receiver) pair of the listed architectures, every
/// (sender layer, receiver layer) pair, for each requested variant. Null layer lists mean all layers.
/// </summary>
public sealed record SweepSpec
{
    public string? Name { get; init; }
    /// <summary>
    /// Short labels to find the sweep again (<c>GET /api/sweeps?tag=</c>); they change nothing that trains, so a local
    /// rerun with other tags still resumes.
    /// </summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>What the sweep is for, in the researcher's words; listed with it, changes nothing that trains.</summary>
    public string? Description { get; init; }
    public IReadOnlyList<string> Senders { get; init; } = ["resnet(1,1,1,1)"];
    public IReadOnlyList<string> Receivers { get; init; } = ["resnet(2,2,2,2)"];
    /// <summary>
    /// Channels of the stem; stage s has width * 2^(s-1). The paper uses 64; 8 is the recipe of every committed matrix
    /// (the README's first command, the report), trained in minutes on a laptop CPU.
    /// </summary>
    public int Width { get; init; } = 8;
    /// <summary>
    /// fashion-mnist, cifar10, cifar100, or images-{name} (an image folder prepared by <c>datasets prepare</c>); its class
    /// count sizes the heads and the chance level (<see cref="Datasets.DatasetInfo"/>).
    /// </summary>
    public string Dataset { get; init; } = Datasets.DatasetFiles.FashionMnist;
    public int? TrainLimit { get; init; }
    public int? TestLimit { get; init; }
    /// <summary>Variant names (trained->trained, random->trained, trained->random, random->random) or ["all"].</summary>
    public IReadOnlyList<string> Variants { get; init; } = ["all"];
    public IReadOnlyList<string>? SenderLayers { get; init; }
    public IReadOnlyList<string>? ReceiverLayers { get; init; }
    /// <summary>
    /// Seeds of the trained senders, paired by position with <see cref="ReceiverSeeds"/>: pair k stitches the sender of
    /// seed SenderSeeds[k] into the receiver of seed ReceiverSeeds[k] (random controls use seeds derived from them).
    /// Several pairs of independently trained base models give each cell a spread across model seeds, which stitch
    /// seeds alone cannot. Pairs rather than every combination, so no base model serves in two pairs.
    /// </summary>
    public IReadOnlyList<int> SenderSeeds { get; init; } = [0];
    /// <summary>Seeds of the trained receivers, one per sender seed. Equal architectures with equal seeds stitch a network with itself.</summary>
    public IReadOnlyList<int> ReceiverSeeds { get; init; } = [1];

    /// <summary>The (sender seed, receiver seed) pairs of base models, in order.</summary>
    public IEnumerable<(int Sender, int Receiver)> ModelSeedPairs() => SenderSeeds.Zip(ReceiverSeeds);
    /// <summary>Stitch seeds; more than one gives mean and spread per cell.</summary>
    public IReadOnlyList<int> StitchSeeds { get; init; } = [0];
    /// <summary>
    /// Extra measurements per cell beside the task-trained stitch's accuracy (<see cref="Sweeps.Analyses"/>): copy, least-squares,
    /// cka, floor, ceiling, penalty, or ["all"]. Empty (the default) runs the plain sweep. Written to analysis.csv.
    /// </summary>
    public IReadOnlyList<string> Analyses { get; init; } = [];
    /// <summary>
    /// Most stitches in one queued job (1..1000). Bigger jobs share a sender's activations across receiver layers and
    /// keep queue and tables small; smaller ones spread a small sweep over more runners.
    /// </summary>
    public int StitchesPerJob { get; init; } = DefaultStitchesPerJob;
    public const int DefaultStitchesPerJob = 64;
    /// <summary>
    /// Go on when a trained base model cannot be told from chance (it predicts one class, or its test accuracy's Wilson
    /// 95% lower bound is at or below chance). False (the default): no stitch trains on such a model; locally the sweep
    /// stops, on the platform its stitch jobs fail with that reason. Changes nothing that trains, so a rerun that sets it
    /// still resumes.
    /// </summary>
    public bool AllowChanceModels { get; init; }
    public TrainSettings Model { get; init; } = new();
    public StitchSettings Stitch { get; init; } = new();
}
