using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;

namespace Stitching.Engine.Research;

/// <summary>
/// Settings of the copying experiment (issue 23.1, <see cref="CopyingExperiment"/>): one architecture stitched into another
/// trained copy of itself (so the identity is a possible start on every diagonal cell), <see cref="Pairs"/> independently
/// trained network pairs (sender seeds 0, 2, 4, ..., receiver seeds 1, 3, 5, ...), a few cells, several stitch seeds, and the
/// sweep's stitch recipe (<see cref="StitchSettings"/> defaults) in fp32, so that no cell's result depends on the CPU's bf16.
/// </summary>
public sealed record CopyingOptions
{
    public string Dataset { get; init; } = Stitching.Domain.Datasets.DatasetFiles.FashionMnist;
    public string Arch { get; init; } = "resnet(1,1,1,1)";
    public int Width { get; init; } = 8;
    public int? TrainLimit { get; init; } = 1500;
    public int? TestLimit { get; init; } = 1000;
    public int ModelEpochs { get; init; } = 15;
    public int Pairs { get; init; } = 3;
    public IReadOnlyList<int> StitchSeeds { get; init; } = [0, 1, 2];
    /// <summary>(sender layer, receiver layer): diagonal cells, where every start is possible, and off-diagonal ones.</summary>
    public IReadOnlyList<(string Sender, string Receiver)> Cells { get; init; } = [("1.0", "1.0"), ("2.0", "2.0"), ("3.0", "3.0"), ("3.0", "2.0")];
    /// <summary>Weights of the copy term in cross-entropy + lambda x normalized copy MSE (lambda 0 is the task stitch itself).</summary>
    public IReadOnlyList<double> Lambdas { get; init; } = [0.1, 1, 10];
    /// <summary>Cells (indices into <see cref="Cells"/>) that get the trade-off curve, from stitch seed 0 and PyTorch's init.</summary>
    public IReadOnlyList<int> TradeOffCells { get; init; } = [1, 3];
    public StitchSettings Stitch { get; init; } = new() { Precision = ComputePrecision.Fp32 };
    public bool AllowChanceModels { get; init; }
    /// <summary>The command line that produced the run, for its header.</summary>
    public string Command { get; init; } = "";

    public static (string Sender, string Receiver) ParseCell(string text)
    {
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || parts.Any(p => p.Length == 0))
            throw new FormatException($"A cell is SENDER:RECEIVER (e.g. 2.0:2.0), got '{text}'.");
        return (parts[0], parts[1]);
    }

    /// <summary>The sweep whose plan gives the experiment's models and stitch tasks (trained->trained only).</summary>
    public SweepSpec Spec => new()
    {
        Name = "copying", Senders = [Arch], Receivers = [Arch], Width = Width, Dataset = Dataset, TrainLimit = TrainLimit, TestLimit = TestLimit,
        Variants = [Variant.TrainedToTrained.Name()],
        SenderLayers = Cells.Select(c => c.Sender).Distinct().ToList(), ReceiverLayers = Cells.Select(c => c.Receiver).Distinct().ToList(),
        SenderSeeds = Enumerable.Range(0, Pairs).Select(k => 2 * k).ToList(), ReceiverSeeds = Enumerable.Range(0, Pairs).Select(k => 2 * k + 1).ToList(),
        StitchSeeds = StitchSeeds, Model = new TrainSettings { Epochs = ModelEpochs }, Stitch = Stitch, AllowChanceModels = AllowChanceModels,
    };
}
