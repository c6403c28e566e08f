namespace Stitching.Domain.Analysis;

/// <summary>
/// The statistical design of the seed paper's patterns, fixed before a run (docs/research.md, "Statistical design of
/// the patterns"): error rate, margins, the pre-registered depth cuts and the cuts of the sensitivity table. Accuracies
/// and margins are fractions (0.02 = two accuracy points); depths are relative (stem 0, last block 1).
/// </summary>
public sealed record PatternDesign
{
    public static PatternDesign Default { get; } = new();

    /// <summary>One-sided error rate of each test, after Holm's adjustment across the family of patterns.</summary>
    public double Alpha { get; init; } = 0.05;

    /// <summary>
    /// Equivalence margin of the contrasts: an effect credibly below it (its upper one-sided bound under it) is too small
    /// to be the paper's "high" vs "low" and reads "does not hold". Two points: under one cell's own 95% test-set
    /// half-width at 1,000 test images (about 3 points), far under the tens of points the paper's figures show. It is in raw
    /// points of an ideal pattern: a contrast read after an additive adjustment is tested against what the adjustment leaves
    /// of an ideal pattern of this size on the same cells (<see cref="PaperPatterns"/>).
    /// </summary>
    public double Margin { get; init; } = 0.02;

    /// <summary>
    /// Flatness margin of "uniformly low": the root mean square deviation of a pair's random->random cells from their mean.
    /// Three points: one cell's 95% test-set half-width at 1,000 test images, i.e. cells that differ no more than their
    /// own test-set noise.
    /// </summary>
    public double FlatMargin { get; init; } = 0.03;

    /// <summary>Pre-registered cut of "early" receivers (depth &lt;= cut) for random->trained.</summary>
    public double EarlyCut { get; init; } = 0.5;

    /// <summary>Pre-registered cut of "late" layers (depth &gt; cut, sender and receiver) for trained->random.</summary>
    public double LateCut { get; init; } = 0.5;

    /// <summary>Pre-registered diagonal band of the triangle: below = sender depth &gt; receiver depth + band.</summary>
    public double DiagonalBand { get; init; }

    /// <summary>Depth cuts of the sensitivity table for the early and late patterns.</summary>
    public IReadOnlyList<double> DepthCuts { get; init; } = [0.25, 1 / 3.0, 0.5, 2 / 3.0, 0.75];

    /// <summary>Diagonal bands of the sensitivity table for the triangle (cells within the band of the diagonal are left out).</summary>
    public IReadOnlyList<double> DiagonalBands { get; init; } = [0, 0.125, 0.25];

    /// <summary>Level of the reported two-sided interval: its ends are the one-sided (1 - alpha) bounds the tests use.</summary>
    public double IntervalLevel => 1 - 2 * Alpha;
}
