namespace Stitching.Domain.Results;

/// <summary>
/// Keeps a stitch's held-out curve small enough to travel inside its result row: an Azure table property holds 64 KB,
/// and the report polls rows while a sweep runs. The trainer checks <see cref="Contracts.StitchSettings.EvalsPerEpoch"/>
/// times per epoch (121 checks at the 30-epoch cap), more than a plot needs.
/// </summary>
public static class TrainingCurve
{
    /// <summary>About 2.5 KB of JSON; a curve is drawn a few hundred pixels wide.</summary>
    public const int MaxPoints = 40;

    /// <summary>
    /// At most <see cref="MaxPoints"/> points, evenly spaced over the checks, always the first (the initialization) and
    /// the last (where training stopped); values rounded to four decimals. Null or empty: null (nothing was held out).
    /// </summary>
    public static IReadOnlyList<CurvePoint>? Thin(IReadOnlyList<CurvePoint>? points)
    {
        if (points is not { Count: > 0 }) return null;
        var n = points.Count;
        var kept = n <= MaxPoints
            ? points
            : Enumerable.Range(0, MaxPoints).Select(i => points[(int)Math.Round(i * (n - 1) / (double)(MaxPoints - 1))]).ToList();
        return kept.Select(p => new CurvePoint(Math.Round(p.Epoch, 4), Math.Round(p.Loss, 4), Math.Round(p.Accuracy, 4))).ToList();
    }
}
