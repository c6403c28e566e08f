using System.Text.RegularExpressions;

namespace Stitching.Domain.Datasets;

/// <summary>
/// The files of each dataset the engine reads, as they are stored in the <c>datasets</c> container
/// (<c>{dataset}/{file}</c>) and in a runner's data folder (<c>{dataFolder}/{dataset}/{file}</c>).
/// Fashion-MNIST: the four gzip IDX files of the Debian package dataset-fashion-mnist; CIFAR-10 and CIFAR-100: the files of
/// the official binary versions; an image-folder dataset (<c>images-{name}</c>): the three files <c>datasets prepare</c>
/// writes from a folder of class folders. The engine's loaders read exactly these names (a GpuRunner test holds them to it).
/// <see cref="Names"/> is the one list of built-in dataset names and <see cref="IsKnown"/> the one test of a name: sweep
/// specs, the CLI's --dataset and the validator take them from here.
/// </summary>
public static partial class DatasetFiles
{
    public const string FashionMnist = "fashion-mnist";
    public const string Cifar10 = "cifar10";
    public const string Cifar100 = "cifar100";

    /// <summary>
    /// The prefix of a prepared image-folder dataset's name. A prefix rather than any free name: a typo of a built-in name
    /// ("cifar-10") is refused at submission instead of failing on a runner that finds no such blob.
    /// </summary>
    public const string ImagesPrefix = "images-";

    /// <summary>The manifest of an image-folder dataset: its classes, channels, counts and normalization (<see cref="ImageFolderManifest"/>).</summary>
    public const string ManifestFile = "dataset.json";

    public static IReadOnlyList<string> Names { get; } = [FashionMnist, Cifar10, Cifar100];

    /// <summary>How a caller lists what it accepts, in an error message.</summary>
    public static string Described => $"{string.Join(", ", Names)} or {ImagesPrefix}<name> (an image folder prepared with `datasets prepare`)";

    /// <summary>
    /// An image-folder dataset's name: the prefix and 1..40 lowercase letters, digits and hyphens. The name becomes part of
    /// model keys, blob names and folder names, so it must be safe in all three.
    /// </summary>
    public static bool IsImageFolder(string? dataset) => dataset is not null && ImageFolderName().IsMatch(dataset);

    public static bool IsKnown(string? dataset) => dataset is not null && (Names.Contains(dataset) || IsImageFolder(dataset));

    /// <exception cref="ArgumentException">Not a known dataset.</exception>
    public static IReadOnlyList<string> Of(string dataset) => dataset switch
    {
        FashionMnist => ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
        Cifar10 => ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"],
        Cifar100 => ["train.bin", "test.bin"],
        _ when IsImageFolder(dataset) => [ManifestFile, "train.bin", "test.bin"],
        _ => throw new ArgumentException($"Unknown dataset '{dataset}'; known: {Described}.", nameof(dataset)),
    };

    [GeneratedRegex(@"^images-[a-z0-9][a-z0-9-]{0,39}\z")]
    private static partial Regex ImageFolderName();
}
