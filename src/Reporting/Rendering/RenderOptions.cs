namespace Stitching.Reporting.Rendering;

/// <summary>
/// How <see cref="MatrixRenderer"/> draws a matrix. Sizes are pixels of one panel (a grid is that many
/// panels wide). The colour scale is fixed to [<see cref="Min"/>, <see cref="Max"/>] so accuracies of
/// different figures compare by colour; a null bound is taken from the data (spreads can be tiny, so use
/// <see cref="AutoRange"/> for those). Differences (a variant minus its control, one sweep minus another) use
/// <see cref="Differences"/>: a diverging scale centred on 0. A figure of several panels draws them all on one scale.
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

    /// <summary>
    /// Colours centred on 0 with symmetric limits [-<see cref="Limit"/>, <see cref="Limit"/>] (<see cref="Min"/> and
    /// <see cref="Max"/> ignored), so a sign reads the same in every panel: for differences.
    /// </summary>
    public bool Diverging { get; init; }
    /// <summary>A diverging scale's fixed half-width; null: the largest |value| over all panels of the figure.</summary>
    public double? Limit { get; init; }

    public static RenderOptions Default { get; } = new();

    /// <summary>
    /// Differences of accuracies (in [-1, 1]): a diverging blue-white-red scale centred on 0 (cmocean's balance), signed
    /// values, symmetric limits from the data unless <paramref name="limit"/> fixes them.
    /// </summary>
    public static RenderOptions Differences(string colorBarLabel, double? limit = null) => new()
    {
        Min = null, Max = null, Diverging = true, Limit = limit, Colormap = "balance",
        ValueFormat = "+0.00;-0.00;0.00", ColorBarLabel = colorBarLabel,
    };

    /// <summary>Colour scale from the data's own minimum and maximum, for differences and standard deviations.</summary>
    public static RenderOptions AutoRange { get; } = new() { Min = null, Max = null, ColorBarLabel = "" };
}
