using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;

namespace Stitching.Engine.Research;

/// <summary>
/// Settings of the findings report (<see cref="ReportRunner"/>). The recipe is the sweep's defaults, the one every committed
/// matrix uses (the README's first command): width (<see cref="SweepSpec.Width"/>), base-model epochs
/// (<see cref="TrainSettings.Epochs"/>) and stitches from their least-squares start with the held-out rule
/// (<see cref="StitchSettings"/>) are read from those records, not repeated here. The report adds its own
/// sizes: 1,500 training (10% held out) and 1,000 test images where a sweep takes the whole dataset, and five
/// independently trained pairs of base models, so that every pattern has an interval over model seeds.
/// </summary>
public sealed record ReportOptions
{
    public string Dataset { get; init; } = Stitching.Domain.Datasets.DatasetFiles.FashionMnist;
    public int Width { get; init; } = new SweepSpec().Width;
    public int? TrainLimit { get; init; } = 1500;
    public int? TestLimit { get; init; } = 1000;
    public int ModelEpochs { get; init; } = new TrainSettings().Epochs;
    /// <summary>Base models' initialization (<see cref="TrainSettings.RandomInit"/>).</summary>
    public RandomInit RandomInit { get; init; } = RandomInit.Kaiming;
    /// <summary>Most epochs per stitch (task, copy, pixel baseline, linear probe): a cap, the stopping rule ends each stitch.</summary>
    public int StitchEpochs { get; init; } = new StitchSettings().Epochs;
    /// <summary>
    /// Independently trained (sender, receiver) base-model pairs: sender seeds 0, 2, 4, ..., receiver seeds 1, 3, 5, .... Five, so
    /// that a pair-level t test has 4 degrees of freedom (the pattern design's minimum, docs/research.md).
    /// </summary>
    public int SeedPairs { get; init; } = MinimumSeedPairs;
    /// <summary>The fewest network pairs a (non-quick) report runs: its verdicts are t tests over pairs (issue 23, requirement 2).</summary>
    public const int MinimumSeedPairs = 5;
    public int CkaImages { get; init; } = 500;
    /// <summary>Tiny settings for tests: two layers per network, CKA on 100 images.</summary>
    public bool Quick { get; init; }
    /// <summary>The command line that produced the report, for its provenance section.</summary>
    public string Command { get; init; } = "";

    /// <summary>
    /// The sweep's stitch recipe exactly, as every README sweep and docs/demo run it: the held-out rule stops a stitch after
    /// 2 epochs without a significant gain (each row's stop_reason says which rule ended it), at most the cap. Not run to the
    /// cap: on two CPU cores five network pairs to the cap took about four times as long (the first stem group of the
    /// 5-pair report: 359 s to the cap against 84 s with the rule, same load), which the report cannot afford; the rule's
    /// shortfall against the long run is measured in docs/research.md (stopping that is verified).
    /// </summary>
    public StitchSettings Stitch => new() { Epochs = StitchEpochs };

    /// <summary>
    /// The per-cell analyses of the shapes and self experiments: every one but the gradient-trained copy stitch, which at this
    /// recipe rarely converges within the cap (9 of 240 in the 3-pair report) and on which no reading rests; the copying
    /// question is the copying experiment's (<see cref="Copying"/>), and the copying task's optimum is the least-squares stitch.
    /// </summary>
    public static IReadOnlyList<string> CellAnalyses { get; } =
        [Analyses.LeastSquares, Analyses.Cka, Analyses.PixelBaseline, Analyses.Probe, Analyses.Penalty];

    public TrainSettings Model => new() { Epochs = ModelEpochs, RandomInit = RandomInit };

    /// <summary>The copying experiment's peak learning rate (<see cref="Copying"/> says why it is not the sweep's).</summary>
    public const double CopyingLearningRate = 0.01;

    /// <summary>
    /// The copying experiment the report runs last (section 4, <see cref="CopyingExperiment"/>): ResNet(1,1,1,1) into another
    /// trained ResNet(1,1,1,1) (the identity is a possible start on the diagonal), as many network pairs as the report's shapes
    /// experiment, its data, widths and stitch cap, the experiment's own fp32 recipe with the sweep's held-out rule, at a peak
    /// learning rate of 0.01 instead of the sweep's 0.001:
    /// the question needs stitches trained from unrelated starts, and at 0.001 a stitch from PyTorch's init or the identity
    /// barely trains (measured: 44 of 45 at the cap near 25-29% accuracy, docs/research.md), so every "answer" would be where
    /// the stitches started. Quick: one pair, one cell, two stitch seeds, one lambda.
    /// </summary>
    public CopyingOptions Copying
    {
        get
        {
            var d = new CopyingOptions();
            var copying = d with
            {
                Dataset = Dataset, Width = Width, TrainLimit = TrainLimit, TestLimit = TestLimit, ModelEpochs = ModelEpochs, Pairs = SeedPairs,
                Cells = [("2.0", "2.0"), ("3.0", "3.0"), ("3.0", "2.0")], TradeOffCells = [0, 2],
                Stitch = d.Stitch with { Epochs = StitchEpochs, LearningRate = CopyingLearningRate }, AllowChanceModels = Quick, Command = Command,
            };
            return Quick ? copying with { Cells = [("2.0", "2.0")], TradeOffCells = [0], StitchSeeds = [0, 1], Lambdas = [1] } : copying;
        }
    }

    public IReadOnlyList<int> SenderSeeds => Enumerable.Range(0, SeedPairs).Select(k => 2 * k).ToList();
    public IReadOnlyList<int> ReceiverSeeds => Enumerable.Range(0, SeedPairs).Select(k => 2 * k + 1).ToList();

    /// <summary>
    /// The layers compared in an architecture: every layer of a one-block-per-stage network; otherwise the stem and the
    /// last block of stages 2-4 (ResNet18's stage 1 is left out for time, as in the README's first sweep). Quick: stem and the last block.
    /// </summary>
    public IReadOnlyList<string> Layers(string arch)
    {
        var spec = ResNetSpec.Parse(arch);
        var ends = Enumerable.Range(1, 4).Select(s => $"{s}.{spec.Blocks[s - 1] - 1}").ToList();
        if (Quick) return ["stem", ends[3]];
        return spec.Blocks.All(b => b == 1) ? ["stem", .. ends] : ["stem", .. ends.Skip(1)];
    }

    /// <summary>The report's experiments, in order: the four variants on a pair of different shapes, then ResNet18 stitched into itself.</summary>
    public IReadOnlyList<ReportExperiment> Experiments()
    {
        const string small = "resnet(1,1,1,1)", r18 = "resnet(2,2,2,2)";
        SweepSpec Spec(string sender, IReadOnlyList<int> senderSeeds, string receiver, IReadOnlyList<int> receiverSeeds, string variants) => new()
        {
            Name = $"report {sender}->{receiver}", Senders = [sender], Receivers = [receiver], Width = Width, Dataset = Dataset,
            TrainLimit = TrainLimit, TestLimit = TestLimit, Variants = [variants], SenderLayers = Layers(sender), ReceiverLayers = Layers(receiver),
            SenderSeeds = senderSeeds, ReceiverSeeds = receiverSeeds, StitchSeeds = [0], Model = Model, Stitch = Stitch, Analyses = CellAnalyses,
            AllowChanceModels = Quick, // --quick's 1-epoch models (a test of the report's plumbing) need not beat chance; the real report's must
        };
        return
        [
            new("shapes", $"ResNet(1,1,1,1) -> ResNet18 (= ResNet(2,2,2,2)), {SeedPairs} pair(s) of independently trained models, all four variants",
                Spec(small, SenderSeeds, r18, ReceiverSeeds, "all")),
            // One network into itself is a sanity check of the method (the identity is a perfect stitch on the diagonal), not a
            // comparison of networks: the first receiver alone.
            new("self", "ResNet18 -> the same ResNet18 (the first receiver into itself: the identity is a perfect stitch on the diagonal)",
                Spec(r18, ReceiverSeeds.Take(1).ToList(), r18, ReceiverSeeds.Take(1).ToList(), "trained->trained")),
        ];
    }
}

/// <summary>One sweep of the report: a folder name, a title and the sweep it runs.</summary>
public sealed record ReportExperiment(string Name, string Title, SweepSpec Spec);
