namespace Stitching.Engine.Data;

/// <summary>Which dataset to load and which part of it. Stored with every result, so a run's data subset can be reproduced.</summary>
public sealed record DatasetOptions
{
    public const string FashionMnist = Stitching.Domain.Datasets.DatasetFiles.FashionMnist;
    public const string Cifar10 = Stitching.Domain.Datasets.DatasetFiles.Cifar10;
    public const string Cifar100 = Stitching.Domain.Datasets.DatasetFiles.Cifar100;

    /// <summary>The built-in datasets; any <c>images-{name}</c> prepared by <c>datasets prepare</c> is known as well.</summary>
    public static IReadOnlyList<string> KnownNames => Stitching.Domain.Datasets.DatasetFiles.Names;

    /// <summary>"fashion-mnist", "cifar10", "cifar100" or "images-{name}".</summary>
    public string Name { get; init; } = FashionMnist;

    /// <summary>Folder holding the dataset files; null = <see cref="DefaultFolder"/> for <see cref="Name"/>.</summary>
    public string? Folder { get; init; }

    /// <summary>Images drawn from the training files (train + holdout together); null = all.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Images drawn from the test files; null = all.</summary>
    public int? TestLimit { get; init; }

    /// <summary>Seed of the class-balanced subset and of the holdout split (see <see cref="SubsetSelector"/>).</summary>
    public int SubsetSeed { get; init; }

    /// <summary>
    /// Fraction (0 ≤ f &lt; 1) of the drawn training images held out for model selection (e.g. picking the best stitch),
    /// so that nothing is ever selected on the test set.
    /// </summary>
    public double ValidationFraction { get; init; }

    /// <summary>Normalize each channel with the dataset's published mean/std; false keeps pixels in [0, 1].</summary>
    public bool Normalize { get; init; } = true;

    /// <summary>The folder the files are read from: <see cref="Folder"/> or the dataset's default.</summary>
    public string ResolvedFolder => Folder ?? DefaultFolder(Name);

    /// <summary>Throws <see cref="ArgumentException"/> for an unknown name or a limit or fraction out of range.</summary>
    public DatasetOptions Validated()
    {
        if (!Stitching.Domain.Datasets.DatasetFiles.IsKnown(Name))
            throw new ArgumentException($"Unknown dataset '{Name}'; known: {Stitching.Domain.Datasets.DatasetFiles.Described}.", nameof(Name));
        if (TrainLimit is <= 0) throw new ArgumentOutOfRangeException(nameof(TrainLimit), TrainLimit, "must be positive or null (all)");
        if (TestLimit is <= 0) throw new ArgumentOutOfRangeException(nameof(TestLimit), TestLimit, "must be positive or null (all)");
        if (ValidationFraction is < 0 or >= 1 || double.IsNaN(ValidationFraction))
            throw new ArgumentOutOfRangeException(nameof(ValidationFraction), ValidationFraction, "must be in [0, 1)");
        return this;
    }

    /// <summary>
    /// Fashion-MNIST: where the Debian package dataset-fashion-mnist installs it.
    /// Others: $XDG_CACHE_HOME/stitching/{name} (~/.cache/stitching/cifar10 is where <see cref="Cifar10Downloader"/> puts
    /// CIFAR-10; <c>datasets prepare</c> writes an image folder's files to ~/.cache/stitching/images-{name}).
    /// </summary>
    public static string DefaultFolder(string name) => name switch
    {
        FashionMnist => FashionMnistLoader.PackageFolder,
        _ when Stitching.Domain.Datasets.DatasetFiles.IsKnown(name) => Path.Combine(CacheHome(), "stitching", name),
        _ => throw new ArgumentException($"Unknown dataset '{name}'; known: {Stitching.Domain.Datasets.DatasetFiles.Described}.", nameof(name)),
    };

    /// <summary>$XDG_CACHE_HOME, or ~/.cache: where datasets and base models are kept.</summary>
    public static string CacheHome() =>
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
}
