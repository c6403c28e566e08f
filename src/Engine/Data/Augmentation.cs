using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Data;

/// <summary>
/// Batched augmentation with tensor ops only (no per-image C# loop). Random numbers come from a CPU
/// <see cref="Generator"/>, so one seed gives the same augmentation whether the images live on CPU or CUDA.
/// </summary>
public static class Augmentation
{
    /// <summary>Random crop then (optionally) flip, as <paramref name="options"/> says. Returns a new tensor (B, C, H, W).</summary>
    /// <param name="fill">Per-channel value of the padding; pass <see cref="ImageDataset.BlackLevel"/> so padding is black in pixel space. Null = 0.</param>
    public static Tensor Apply(Tensor images, AugmentationOptions options, Generator generator, IReadOnlyList<float>? fill = null)
    {
        using var scope = NewDisposeScope();
        var result = options.CropPadding > 0 ? RandomCrop(images, options.CropPadding, generator, fill) : images.clone();
        if (options.HorizontalFlip) result = HorizontalFlip(result, generator);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pads each side by <paramref name="padding"/> and cuts an H x W window at a per-image random offset in [0, 2·padding]
    /// (as torchvision's RandomCrop(32, padding=4)). Two gathers, rows then columns: O(B·C·H·W) memory, no loop.
    /// </summary>
    public static Tensor RandomCrop(Tensor images, int padding, Generator generator, IReadOnlyList<float>? fill = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        using var scope = NewDisposeScope();
        var (batch, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3]);
        var device = images.device;

        // Shift so the fill value becomes 0, pad with 0, shift back: per-channel fill with a scalar-only pad.
        var fillValues = fill is null ? null : tensor(fill.ToArray(), device: device).view(1, channels, 1, 1);
        var shifted = fillValues is null ? images : images - fillValues;
        var padded = nn.functional.pad(shifted, [padding, padding, padding, padding]); // (B, C, H+2p, W+2p)

        var offsets = randint(0, 2 * padding + 1, [2, batch], dtype: ScalarType.Int64, generator: generator).to(device); // (2, B): dy, dx
        var rows = offsets[0].view(batch, 1) + arange(height, dtype: ScalarType.Int64, device: device); // (B, H)
        var cols = offsets[1].view(batch, 1) + arange(width, dtype: ScalarType.Int64, device: device);  // (B, W)

        var cropped = padded
            .gather(2, rows.view(batch, 1, height, 1).expand(batch, channels, height, width + 2 * padding)) // (B, C, H, W+2p)
            .gather(3, cols.view(batch, 1, 1, width).expand(batch, channels, height, width));               // (B, C, H, W)
        if (fillValues is not null) cropped = cropped + fillValues;
        return cropped.MoveToOuterDisposeScope();
    }

    /// <summary>Mirrors each image left-right with probability <paramref name="probability"/>, independently.</summary>
    public static Tensor HorizontalFlip(Tensor images, Generator generator, double probability = 0.5)
    {
        using var scope = NewDisposeScope();
        var batch = images.shape[0];
        var flip = (rand([batch], generator: generator) < probability).to(images.device).view(batch, 1, 1, 1);
        return where(flip, images.flip(3), images).MoveToOuterDisposeScope();
    }
}
