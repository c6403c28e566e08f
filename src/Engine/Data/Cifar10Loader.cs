namespace Stitching.Engine.Data;

/// <summary>
/// Reads the CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html): each record is 1 label byte
/// then 3072 pixel bytes, the 32x32 R plane, G plane and B plane, i.e. already (C, H, W).
/// </summary>
public static class Cifar10Loader
{
    public const int ImageBytes = 3 * RawSplit.Side * RawSplit.Side; // 3072
    public const int RecordBytes = 1 + ImageBytes; // 3073

    /// <summary>The subfolder the official archive unpacks into; accepted as well as the files directly in the folder.</summary>
    public const string ArchiveSubfolder = "cifar-10-batches-bin";

    public static readonly IReadOnlyList<string> TrainFiles =
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    public static readonly IReadOnlyList<string> TestFiles = ["test_batch.bin"];

    public static readonly IReadOnlyList<string> ClassNames =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    // Per-channel statistics of the 50k training images (the values torchvision's examples and airbench use).
    // Fixed rather than measured per run so models trained on different subsets can be stitched to each other.
    public static readonly float[] Mean = [0.4914f, 0.4822f, 0.4465f];
    public static readonly float[] Std = [0.2470f, 0.2435f, 0.2616f];

    public static string Remedy(string folder) =>
        $"Run `Stitching.GpuRunner download cifar10`, or copy the CIFAR-10 binary-version files ({string.Join(", ", TrainFiles)}, {TestFiles[0]}) into {folder}, or pass --data-dir pointing at them.";

    /// <summary>The folder holding the .bin files: <paramref name="folder"/> itself or its cifar-10-batches-bin subfolder.</summary>
    public static string DataFolder(string folder)
    {
        var nested = Path.Combine(folder, ArchiveSubfolder);
        return !File.Exists(Path.Combine(folder, TestFiles[0])) && File.Exists(Path.Combine(nested, TestFiles[0])) ? nested : folder;
    }

    /// <summary>Reads the training (5 x 10k) or test (10k) split; throws <see cref="DatasetException"/> on any defect.</summary>
    public static RawSplit Read(string folder, bool train)
    {
        var dataFolder = DataFolder(folder);
        var format = new LabelledRecords("a CIFAR-10 binary-version batch file", HeaderBytes: 1, Channels: 3, ClassNames.Count, header => header[0], Remedy(folder));
        return format.Read((train ? TrainFiles : TestFiles).Select(name => Path.Combine(dataFolder, name)));
    }
}
