using System.Diagnostics;
using Stitching.Domain.Datasets;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Data;

/// <summary>Loads a dataset named by <see cref="DatasetOptions"/> into tensors on the CPU (move them to the device once, whole).</summary>
public static class DatasetLoader
{
    /// <summary>
    /// Reads and checks every file of the dataset exactly as <see cref="Load"/> does (headers, lengths, labels), and
    /// creates no tensor: it loads no native library, so <c>datasets upload</c> (azd's postprovision hook) runs on a
    /// deployer's macOS or Windows machine, where this build's libtorch cannot load. Returns the train and test counts.
    /// </summary>
    /// <exception cref="DatasetException">Files missing, truncated or malformed; the message says how to get them.</exception>
    public static (int Train, int Test) Verify(DatasetOptions options)
    {
        var (train, test, _, _, _) = Read(options);
        return (train.Count, test.Count);
    }

    /// <summary>The folder the dataset's files lie in: <see cref="DatasetOptions.ResolvedFolder"/>, or the CIFAR archives' own subfolder inside it.</summary>
    public static string FilesFolder(DatasetOptions options) => options.Name switch
    {
        DatasetOptions.Cifar10 => Cifar10Loader.DataFolder(options.ResolvedFolder),
        DatasetOptions.Cifar100 => Cifar100Loader.DataFolder(options.ResolvedFolder),
        _ => options.ResolvedFolder,
    };

    /// <summary>How to get <paramref name="dataset"/>'s files into <paramref name="folder"/>, for messages about missing ones.</summary>
    public static string Remedy(string dataset, string folder) => dataset switch
    {
        DatasetOptions.FashionMnist => FashionMnistLoader.Remedy,
        DatasetOptions.Cifar10 => Cifar10Loader.Remedy(folder),
        DatasetOptions.Cifar100 => Cifar100Loader.Remedy(folder),
        _ => ImageFolderLoader.Remedy(dataset, folder),
    };

    /// <summary>
    /// The dataset's classes, channels and split sizes without reading its images: known for the built-in datasets, from
    /// the manifest for an image folder. Native-free, like <see cref="Verify"/>; what dry runs and estimates plan with.
    /// </summary>
    /// <exception cref="DatasetException">An image folder's manifest is missing or malformed.</exception>
    public static DatasetInfo Info(DatasetOptions options)
    {
        options.Validated();
        return DatasetInfo.BuiltIn(options.Name) ?? ImageFolderLoader.ReadManifest(options.Name, options.ResolvedFolder).Info;
    }

    // Both splits as bytes, with the dataset's class names and normalization: what Load and Verify read alike.
    private static (RawSplit Train, RawSplit Test, IReadOnlyList<string> ClassNames, float[] Mean, float[] Std) Read(DatasetOptions options)
    {
        options.Validated();
        var folder = options.ResolvedFolder;
        if (DatasetFiles.IsImageFolder(options.Name))
        {
            var manifest = ImageFolderLoader.ReadManifest(options.Name, folder);
            return (ImageFolderLoader.Read(manifest, folder, train: true), ImageFolderLoader.Read(manifest, folder, train: false),
                manifest.ClassNames, manifest.Mean.ToArray(), manifest.Std.ToArray());
        }
        return options.Name switch
        {
            DatasetOptions.Cifar10 => (Cifar10Loader.Read(folder, train: true), Cifar10Loader.Read(folder, train: false),
                Cifar10Loader.ClassNames, Cifar10Loader.Mean, Cifar10Loader.Std),
            DatasetOptions.Cifar100 => (Cifar100Loader.Read(folder, train: true), Cifar100Loader.Read(folder, train: false),
                Cifar100Loader.ClassNames, Cifar100Loader.Mean, Cifar100Loader.Std),
            DatasetOptions.FashionMnist => (FashionMnistLoader.Read(folder, train: true), FashionMnistLoader.Read(folder, train: false),
                FashionMnistLoader.ClassNames, FashionMnistLoader.Mean, FashionMnistLoader.Std),
            _ => throw new UnreachableException($"{options.Name} passed validation but has no loader."),
        };
    }

    /// <exception cref="DatasetException">Files missing, truncated or malformed; the message says how to get them.</exception>
    /// <exception cref="ArgumentException">Unknown dataset name or options out of range.</exception>
    public static ImageDataset Load(DatasetOptions options)
    {
        var (train, test, classNames, mean, std) = Read(options);
        if (!options.Normalize)
        {
            mean = Enumerable.Repeat(0f, train.Channels).ToArray();
            std = Enumerable.Repeat(1f, train.Channels).ToArray();
        }

        var (trainIndices, holdoutIndices) = SubsetSelector.SplitHoldout(train.Labels, options.TrainLimit, options.ValidationFraction, options.SubsetSeed);
        var testIndices = SubsetSelector.Select(test.Labels, options.TestLimit, options.SubsetSeed);

        using var scope = NewDisposeScope();
        var dataset = new ImageDataset
        {
            Name = options.Name,
            Channels = train.Channels,
            ClassNames = classNames,
            Options = options,
            Mean = mean,
            Std = std,
            TrainImages = Images(train, trainIndices, mean, std).MoveToOuterDisposeScope(),
            TrainLabels = Labels(train, trainIndices).MoveToOuterDisposeScope(),
            HoldoutImages = Images(train, holdoutIndices, mean, std).MoveToOuterDisposeScope(),
            HoldoutLabels = Labels(train, holdoutIndices).MoveToOuterDisposeScope(),
            TestImages = Images(test, testIndices, mean, std).MoveToOuterDisposeScope(),
            TestLabels = Labels(test, testIndices).MoveToOuterDisposeScope(),
        };
        return dataset;
    }

    // Picks the subset while still uint8 (a quarter of float32's memory), then converts once.
    private static Tensor Images(RawSplit split, int[] indices, float[] mean, float[] std)
    {
        var bytes = new byte[(long)indices.Length * split.ImageBytes];
        for (var n = 0; n < indices.Length; n++)
            split.Pixels.AsSpan(indices[n] * split.ImageBytes, split.ImageBytes).CopyTo(bytes.AsSpan(n * split.ImageBytes));

        var raw = tensor(bytes, [indices.Length, split.Channels, RawSplit.Side, RawSplit.Side], ScalarType.Byte); // (N, C, 32, 32) uint8
        var channelShape = new long[] { 1, split.Channels, 1, 1 };
        return raw.to_type(ScalarType.Float32).div_(255f)
            .sub_(tensor(mean).view(channelShape))
            .div_(tensor(std).view(channelShape));
    }

    private static Tensor Labels(RawSplit split, int[] indices) =>
        tensor(indices.Select(i => split.Labels[i]).ToArray(), ScalarType.Int64); // (N)
}
