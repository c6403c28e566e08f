using Stitching.Core.Contracts;
using Stitching.Core.Sweeps;

namespace Stitching.GpuRunner.Research;

/// <summary>
/// Settings of the findings report (<see cref="ReportRunner"/>). Defaults are sized for two CPU cores in about 25 minutes:
/// width 8, 5000 training and 1000 test images, base models 4 epochs, stitches 1 epoch (batch 64) of Adam (lr 0.01) from PyTorch's default
/// initialization (not the sweep's least-squares start, which would put every stitch at the copying task's optimum before
/// task training and bias the comparison of task and copy stitches), five layers per network (stem and each stage's output).
/// </summary>
public sealed record ReportOptions
{
    public string Dataset { get; init; } = "fashion-mnist";
    public int Width { get; init; } = 8;
    public int? TrainLimit { get; init; } = 5000;
    public int? TestLimit { get; init; } = 1000;
    public int ModelEpochs { get; init; } = 4;
    /// <summary>Base models' initialization (<see cref="TrainSettings.RandomInit"/>).</summary>
    public string RandomInit { get; init; } = TrainSettings.KaimingInit;
    public int StitchEpochs { get; init; } = 1;
    public int StitchBatchSize { get; init; } = 64;
    public string Optimizer { get; init; } = "adam";
    /// <summary>Peak stitch learning rate (warm-up then cosine), for the task, copy, pixel-baseline and linear-probe stitches alike.</summary>
    public double LearningRate { get; init; } = 0.01;
    /// <summary>Stitch seeds of the "seeds" experiment (mean and standard deviation per cell); the others use the first.</summary>
    public IReadOnlyList<int> StitchSeeds { get; init; } = [0, 1];
    public int CkaImages { get; init; } = 500;
    /// <summary>Tiny settings for tests: two layers per network, one stitch epoch, CKA on 100 images.</summary>
    public bool Quick { get; init; }
    /// <summary>The command line that produced the report, for its provenance section.</summary>
    public string Command { get; init; } = "";

    public StitchSettings Stitch => new()
    {
        Epochs = StitchEpochs, BatchSize = StitchBatchSize, Optimizer = Optimizer, LearningRate = LearningRate, WeightDecay = 0,
        Init = "default", Precision = "fp32",
    };

    public TrainSettings Model => new() { Epochs = ModelEpochs, RandomInit = RandomInit };

    /// <summary>The layers compared in an architecture: stem and the last block of each stage (quick: stem and the last block).</summary>
    public IReadOnlyList<string> Layers(string arch)
    {
        var spec = Core.Architectures.ResNetSpec.Parse(arch);
        var ends = Enumerable.Range(1, 4).Select(s => $"{s}.{spec.Blocks[s - 1] - 1}").ToList();
        return Quick ? ["stem", ends[3]] : ["stem", .. ends];
    }

    /// <summary>The report's experiments, in order: the four controls on a pair of different shapes, its reverse, two seeds of one shape, ResNet18 with itself.</summary>
    public IReadOnlyList<ReportExperiment> Experiments()
    {
        const string small = "resnet(1,1,1,1)", r18 = "resnet18";
        var first = StitchSeeds.Take(1).ToList();
        SweepSpec Spec(string sender, int senderSeed, string receiver, int receiverSeed, string variants, IReadOnlyList<int> seeds) => new()
        {
            Name = $"report {sender}->{receiver}", Senders = [sender], Receivers = [receiver], Width = Width, Dataset = Dataset,
            TrainLimit = TrainLimit, TestLimit = TestLimit, Variants = [variants], SenderLayers = Layers(sender), ReceiverLayers = Layers(receiver),
            SenderSeeds = [senderSeed], ReceiverSeeds = [receiverSeed], StitchSeeds = seeds, Model = Model, Stitch = Stitch, Analyses = ["all"],
        };
        return
        [
            new("shapes", "ResNet(1,1,1,1) -> ResNet18 (= ResNet(2,2,2,2)), different seeds, all four variants", Spec(small, 0, r18, 1, "all", first)),
            new("shapes-reverse", "ResNet18 -> ResNet(1,1,1,1), different seeds", Spec(r18, 0, small, 1, "trained->trained", first)),
            new("seeds", $"ResNet(1,1,1,1) seed 0 -> ResNet(1,1,1,1) seed 1, stitch seeds {string.Join(", ", StitchSeeds)}", Spec(small, 0, small, 1, "trained->trained", StitchSeeds)),
            new("self", "ResNet18 -> the same ResNet18 (same seed)", Spec(r18, 0, r18, 0, "trained->trained", first)),
        ];
    }
}

/// <summary>One sweep of the report: a folder name, a title and the sweep it runs.</summary>
public sealed record ReportExperiment(string Name, string Title, SweepSpec Spec);
