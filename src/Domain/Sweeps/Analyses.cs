namespace Stitching.Domain.Sweeps;

/// <summary>
/// Names of the per-cell analyses a sweep can ask for (issue 6, "research depth"), besides the task-trained stitch:
/// <list type="bullet">
/// <item><c>copy</c>: a stitch trained on the copying task (MSE to the receiver's expected representation, seed paper 1.2).</item>
/// <item><c>least-squares</c>: the closed-form least-squares stitch of the copying task (direct matching, Csiszárik et al. 2021).</item>
/// <item><c>cka</c>: linear CKA between the sender layer and the receiver's expected representation (Kornblith et al. 2019).</item>
/// <item><c>pixels</c>: the pixel baseline, a stitch from the raw pixels into the receiver layer, started from least squares
/// and trained like every stitch (what the stitch and suffix reach from the image itself).</item>
/// <item><c>probe</c>: the linear-probe baseline, the sender layer's features average-pooled through a trained linear
/// readout (what any linear readout of the sender reaches; a head-only column's stitch is one such readout).</item>
/// <item><c>penalty</c>: the receiver's own test accuracy minus the stitched accuracy.</item>
/// </list>
/// </summary>
public static class Analyses
{
    public const string Copy = "copy";
    public const string LeastSquares = "least-squares";
    public const string Cka = "cka";
    public const string PixelBaseline = "pixels";
    public const string Probe = "probe";
    public const string Penalty = "penalty";

    public static IReadOnlyList<string> All { get; } = [Copy, LeastSquares, Cka, PixelBaseline, Probe, Penalty];

    public static bool IsKnown(string? name) =>
        name is not null && (name.Trim().Equals("all", StringComparison.OrdinalIgnoreCase) || All.Contains(Normalize(name)));

    /// <summary>Parses "all", an empty text or a comma list into the distinct analysis names, in <see cref="All"/> order.</summary>
    public static IReadOnlyList<string> ParseList(string? text) => Resolve(
        (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    /// <summary>The distinct analyses a spec asks for, in <see cref="All"/> order; unknown names throw <see cref="FormatException"/>.</summary>
    public static IReadOnlyList<string> Resolve(IEnumerable<string>? names)
    {
        var set = new HashSet<string>();
        foreach (var raw in names ?? [])
        {
            if (raw.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return All;
            var name = Normalize(raw);
            if (!All.Contains(name))
                throw new FormatException($"Unknown analysis '{raw}'. Use 'all' or a comma list of: {string.Join(", ", All)}.");
            set.Add(name);
        }
        return All.Where(set.Contains).ToList();
    }

    private static string Normalize(string name) => name.Trim().ToLowerInvariant().Replace('_', '-') switch
    {
        "ls" or "leastsquares" => LeastSquares,
        "pixel-baseline" or "pixel" => PixelBaseline,
        "linear-probe" => Probe,
        var n => n,
    };
}
