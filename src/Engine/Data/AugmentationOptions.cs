namespace Stitching.Engine.Data;

/// <summary>Training-time augmentation. Defaults per dataset via <see cref="For"/>.</summary>
public sealed record AugmentationOptions
{
    /// <summary>Pixels of zero (black) padding per side before the random 32x32 crop; 0 turns cropping off.</summary>
    public int CropPadding { get; init; } = 4;

    /// <summary>Mirror half of the images left-right.</summary>
    public bool HorizontalFlip { get; init; }

    /// <summary>
    /// CIFAR-10 and CIFAR-100: crop + flip (the standard ResNet recipe). Fashion-MNIST: crop only; flipping is harmless for
    /// clothing but not in the usual baselines, so it is opt-in to keep results comparable to them. An image folder: crop
    /// only, since nothing says its classes survive a mirror (digits, text, road signs do not).
    /// </summary>
    public static AugmentationOptions For(string datasetName) =>
        datasetName is DatasetOptions.Cifar10 or DatasetOptions.Cifar100 ? new AugmentationOptions { HorizontalFlip = true } : new AugmentationOptions();
}
