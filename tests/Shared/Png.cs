using SkiaSharp;

namespace Stitching.Tests.Shared;

/// <summary>Checks a rendered PNG by its pixels, not its byte count: it decodes, has the size asked for, and shows a picture.</summary>
public static class Png
{
    /// <summary>
    /// Decodes <paramref name="png"/> and asserts that it is <paramref name="width"/> x <paramref name="height"/> (when
    /// given) and drawn: at least <paramref name="minColors"/> distinct colours and at least <paramref name="minDrawnFraction"/>
    /// of its pixels unlike the top-left corner (the background), which a blank, transparent or one-colour image fails.
    /// A heatmap fills a tenth easily; a line chart needs a smaller fraction.
    /// </summary>
    public static (int Width, int Height) AssertDrawn(byte[] png, int? width = null, int? height = null, int minColors = 8, double minDrawnFraction = 0.1)
    {
        using var bitmap = SKBitmap.Decode(png);
        Assert.True(bitmap is not null, $"not a decodable image ({png.Length} bytes)");
        if (width is { } w) Assert.Equal(w, bitmap.Width);
        if (height is { } h) Assert.Equal(h, bitmap.Height);
        var pixels = bitmap.Pixels;
        var background = pixels[0];
        var colors = pixels.Distinct().Count();
        var drawn = pixels.Count(p => p != background);
        Assert.True(colors >= minColors, $"{colors} distinct colours in a {bitmap.Width}x{bitmap.Height} image; a drawn matrix has at least {minColors}");
        Assert.True(drawn >= pixels.Length * minDrawnFraction, $"only {drawn} of {pixels.Length} pixels differ from the background {background}");
        return (bitmap.Width, bitmap.Height);
    }

    /// <inheritdoc cref="AssertDrawn(byte[], int?, int?, int, double)"/>
    public static (int Width, int Height) AssertDrawnFile(string path, int? width = null, int? height = null, int minColors = 8, double minDrawnFraction = 0.1) =>
        AssertDrawn(File.ReadAllBytes(path), width, height, minColors, minDrawnFraction);
}
