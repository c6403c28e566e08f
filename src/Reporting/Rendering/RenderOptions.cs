namespace Stitching.Reporting.Rendering;

/// <summary>
/// How <see cref="MatrixRenderer"/> draws a matrix. Sizes are pixels of one panel (a grid is that many
/// panels wide). The colour scale is fixed to [<see cref="Min"/>, <see cref="Max"/>] so accuracies of
/// different figures compare by colour; a null bound is taken from the data (differences and spreads
/// can be negative or tiny, so use <see cref="AutoRange"/> for those).
/// </summary>
public sealed record RenderOptions
{
    public int Width { get; init; } = 900;
    public int Height { get; init; } = 800;
    public double? Min { get; init; } = 0;
    public double? Max { get; init; } = 1;
    public bool ShowValues { get; init; } = true;
    /// <summary>A ScottPlot colormap name, case-insensitive: viridis, turbo, magma, inferno, ...</summary>
    public string Colormap { get; init; } = "viridis";
    /// <summary>.NET format of the value written in each cell.</summary>
    public string ValueFormat { get; init; } = "0.00";
    /// <summary>Caption of the colour bar.</summary>
    public string ColorBarLabel { get; init; } = "accuracy";

    public static RenderOptions Default { get; } = new();

    /// <summary>Colour scale from the data's own minimum and maximum, for differences and standard deviations.</summary>
    public static RenderOptions AutoRange { get; } = new() { Min = null, Max = null, ColorBarLabel = "" };
}
