namespace Stitching.Engine.Data;

/// <summary>
/// Reads the CIFAR-100 binary version (https://www.cs.toronto.edu/~kriz/cifar.html): train.bin (50k) and test.bin (10k),
/// each record 1 coarse label byte (20 superclasses), 1 fine label byte (100 classes), then the 3072 pixel bytes of a
/// 32x32 image as R, G and B planes. The fine labels are the classes: a 100-way head, chance 1%.
/// </summary>
public static class Cifar100Loader
{
    /// <summary>The subfolder the official archive unpacks into; accepted as well as the files directly in the folder.</summary>
    public const string ArchiveSubfolder = "cifar-100-binary";

    public const string TrainFile = "train.bin";
    public const string TestFile = "test.bin";

    // fine_label_names.txt of the archive, in label order.
    public static readonly IReadOnlyList<string> ClassNames =
    [
        "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
        "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
        "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
        "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
        "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
        "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
        "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
        "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
        "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor",
        "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
    ];

    // Per-channel statistics of the 50k training images (the values commonly published with CIFAR-100 recipes). Fixed
    // rather than measured per run so models trained on different subsets can be stitched to each other.
    public static readonly float[] Mean = [0.5071f, 0.4865f, 0.4409f];
    public static readonly float[] Std = [0.2673f, 0.2564f, 0.2762f];

    public static string Remedy(string folder) =>
        $"Download the CIFAR-100 binary version (cifar-100-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html), unpack it and copy {TrainFile} and {TestFile} into {folder}, or pass --data-dir pointing at them.";

    /// <summary>The folder holding the .bin files: <paramref name="folder"/> itself or its cifar-100-binary subfolder.</summary>
    public static string DataFolder(string folder)
    {
        var nested = Path.Combine(folder, ArchiveSubfolder);
        return !File.Exists(Path.Combine(folder, TestFile)) && File.Exists(Path.Combine(nested, TestFile)) ? nested : folder;
    }

    /// <summary>Reads the training (50k) or test (10k) split with fine labels; throws <see cref="DatasetException"/> on any defect.</summary>
    public static RawSplit Read(string folder, bool train)
    {
        var format = new LabelledRecords("a CIFAR-100 binary-version file", HeaderBytes: 2, Channels: 3, ClassNames.Count, header => header[1], Remedy(folder));
        return format.Read([Path.Combine(DataFolder(folder), train ? TrainFile : TestFile)]);
    }
}
