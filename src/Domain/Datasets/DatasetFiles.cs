using Stitching.Domain.Contracts;
namespace Stitching.Domain.Datasets;

/// <summary>
/// The files of each dataset the engine reads, as they are stored in the <c>datasets</c> container
/// (<c>{dataset}/{file}</c>) and in a runner's data folder (<c>{dataFolder}/{dataset}/{file}</c>).
/// Fashion-MNIST: the four gzip IDX files of the Debian package dataset-fashion-mnist; CIFAR-10: the six files of the
/// official binary version. The engine's loaders read exactly these names (a GpuRunner test holds them to it).
/// <see cref="Names"/> is the one list of dataset names: sweep specs, the CLI's --dataset and the validator take it from here.
/// </summary>
public static class DatasetFiles
{
    public const string FashionMnist = "fashion-mnist";
    public const string Cifar10 = "cifar10";

    public static IReadOnlyList<string> Names { get; } = [FashionMnist, Cifar10];

    /// <exception cref="ArgumentException">Not a known dataset.</exception>
    public static IReadOnlyList<string> Of(string dataset) => dataset switch
    {
        FashionMnist => ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"],
        Cifar10 => ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"],
        _ => throw new ArgumentException($"Unknown dataset '{dataset}'; known: {string.Join(", ", Names)}.", nameof(dataset)),
    };
}
