using SkiaSharp;

namespace Stitching.Tests.Shared;

/// <summary>
/// Writes small image folders with SkiaSharp's encoders: one subfolder per class, each image one solid colour (class k
/// bright in channel k) at a brightness and a size that vary image by image, so a tiny network can learn the classes and
/// the preparer must resize.
/// </summary>
public static class SyntheticImages
{
    /// <summary>The colour of image <paramref name="index"/> of class <paramref name="label"/>: its class channel bright, the others dim.</summary>
    public static SKColor Colour(int label, int index)
    {
        var bright = (byte)(150 + index * 7 % 100);
        var dim = (byte)(20 + index * 5 % 40);
        return new SKColor(label == 0 ? bright : dim, label == 1 ? bright : dim, label == 2 ? bright : dim);
    }

    /// <summary>An image of side between 17 and 80 pixels, never square, never 32: every one is resized.</summary>
    public static (int Width, int Height) Size(int index) => (17 + index * 13 % 64, 40 + index * 11 % 41);

    /// <summary>Class folders "class-a", "class-b", ... of <paramref name="perClass"/> PNGs each under <paramref name="root"/>.</summary>
    public static string WriteFolder(string root, int classes = 3, int perClass = 10, SKEncodedImageFormat format = SKEncodedImageFormat.Png)
    {
        for (var label = 0; label < classes; label++)
        {
            var folder = Directory.CreateDirectory(Path.Combine(root, $"class-{(char)('a' + label)}")).FullName;
            for (var i = 0; i < perClass; i++)
            {
                var (w, h) = Size(i);
                Write(Path.Combine(folder, $"{i:D3}.{(format == SKEncodedImageFormat.Jpeg ? "jpg" : "png")}"), w, h, Colour(label % 3, i), format);
            }
        }
        return root;
    }

    /// <summary>One solid image; <paramref name="gray"/> writes a one-channel (grayscale) image.</summary>
    public static void Write(string path, int width, int height, SKColor colour, SKEncodedImageFormat format = SKEncodedImageFormat.Png, bool gray = false)
    {
        var info = new SKImageInfo(width, height, gray ? SKColorType.Gray8 : SKColorType.Rgba8888, gray ? SKAlphaType.Opaque : SKAlphaType.Premul);
        using var bitmap = new SKBitmap(info);
        bitmap.Erase(colour);
        using var data = bitmap.Encode(format, 95);
        File.WriteAllBytes(path, data.ToArray());
    }
}
