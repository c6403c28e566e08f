namespace Stitching.Domain.Architectures;

/// <summary>Layer shapes and costs of a <see cref="ResNetSpec"/>, computed analytically (no TorchSharp).</summary>
public static class ArchitectureCatalog
{
    /// <summary>The stitchable layers, in forward order: stem, then 1.0, 1.1, ..., 4.(b4-1).</summary>
    public static IReadOnlyList<LayerInfo> Layers(ResNetSpec spec, int width, int imageSize = 32)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "Width must be at least 1.");
        if (imageSize % 8 != 0 || imageSize < 8)
            throw new ArgumentOutOfRangeException(nameof(imageSize), imageSize, "Image size must be a multiple of 8 so the stages halve it evenly.");

        var layers = new List<LayerInfo> { new(0, "stem", 0, 0, width, imageSize, imageSize) };
        for (var stage = 1; stage <= 4; stage++)
        {
            var channels = width << (stage - 1);
            var size = imageSize >> (stage - 1);
            for (var block = 0; block < spec.Blocks[stage - 1]; block++)
                layers.Add(new LayerInfo(layers.Count, $"{stage}.{block}", stage, block, channels, size, size));
        }
        return layers;
    }

    public static LayerInfo Layer(ResNetSpec spec, int width, string name, int imageSize = 32) =>
        Layers(spec, width, imageSize).FirstOrDefault(l => l.Name == name)
        ?? throw new ArgumentException(
            $"Layer '{name}' does not exist in {spec.Name}. Valid layers: {string.Join(", ", Layers(spec, width, imageSize).Select(l => l.Name))}.",
            nameof(name));

    /// <summary>Multiply-accumulates of one image through layers [from, to] inclusive (convolutions and the head).</summary>
    public static long MacsPerImage(ResNetSpec spec, int width, int inChannels, int classes, int fromLayer, int toLayer, int imageSize = 32)
    {
        var layers = Layers(spec, width, imageSize);
        long macs = 0;
        for (var i = Math.Max(0, fromLayer); i <= Math.Min(toLayer, layers.Count - 1); i++)
        {
            var l = layers[i];
            long hw = (long)l.Height * l.Width;
            if (i == 0) { macs += hw * l.Channels * inChannels * 9; continue; }
            var input = layers[i - 1].Channels;
            macs += hw * l.Channels * input * 9 + hw * l.Channels * l.Channels * 9;
            if (input != l.Channels) macs += hw * l.Channels * input; // 1x1 projection shortcut
        }
        if (toLayer >= layers.Count) macs += (long)layers[^1].Channels * classes; // head
        return macs;
    }
}
