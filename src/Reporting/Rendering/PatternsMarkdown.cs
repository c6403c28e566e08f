using System.Globalization;
using Stitching.Domain.Analysis;
using Stitching.Domain.Results;

namespace Stitching.Reporting.Rendering;

/// <summary>The patterns of a pair (<see cref="PairReport"/>) as markdown: patterns.md, the report's section, and the API's <c>format=md</c>.</summary>
public static class PatternsMarkdown
{
    /// <summary>
    /// patterns.md: the verdict table (statistic per network pair, mean and interval over pairs, raw statistic, sign-flip p,
    /// the two one-sided p-values before and after Holm, verdict), each pattern's cut and note, the depth-cut sensitivity
    /// table, the design in one paragraph, and the interaction matrix with its per-cell intervals when the sweep has all four variants.
    /// </summary>
    public static string Write(IReadOnlyList<PatternVerdict> patterns, SimilarityMatrix? interaction = null, PatternDesign? design = null)
    {
        design ??= PatternDesign.Default;
        var level = Invariant($"{100 * design.IntervalLevel:0}%");
        var w = new StringWriter();
        w.WriteLine($"| pattern | statistic per network pair (adjustment) | predicted | mean over pairs | {level} interval | raw | sign-flip p (min) | p holds (Holm) | p does not hold (Holm) | verdict | pairs, cells |");
        w.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var p in patterns)
        {
            var first = $"| {p.Claim} | ";
            var verdict = $"{Pv(p.PHolds)} ({Pv(p.PHoldsAdjusted)}) | {Pv(p.PDoesNotHold)} ({Pv(p.PDoesNotHoldAdjusted)}) | **{p.Verdict}** | {p.ModelSeedPairs}, {p.Cells} |";
            if (p.Components.Count == 0) w.WriteLine(first + "n/a | | | | | | " + verdict);
            for (var k = 0; k < p.Components.Count; k++)
            {
                var c = p.Components[k];
                w.WriteLine((k == 0 ? first : "| (and) | ") + Invariant($"{c.Statistic} ({p.Adjustment}) | {c.Predicted} | {F3(c.Value)} | {Interval(c.Low, c.High)} | {(double.IsNaN(c.Raw) ? "" : F3(c.Raw))} | {Pv(c.SignFlipP)} ({c.MinimumSignFlipP:0.####}) | ")
                    + (k == 0 ? verdict : "| | | |"));
            }
        }
        w.WriteLine();
        foreach (var p in patterns) w.WriteLine($"- {p.Pattern}: {p.Cut}. {p.Note}.");
        w.WriteLine();
        w.WriteLine($"Depth-cut sensitivity (each cut read as if it had been the registered one, Holm-adjusted in the same family; {level} intervals):");
        w.WriteLine();
        w.WriteLine("| pattern | cut | cells | mean over pairs | interval | p holds (Holm) | p does not hold (Holm) | verdict |");
        w.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (var p in patterns)
        foreach (var s in p.Sensitivity)
            w.WriteLine(Invariant($"| {p.Pattern} | {s.Cut} | {s.Cells} | {F3(s.Value)} | {Interval(s.Low, s.High)} | {Pv(s.PHoldsAdjusted)} | {Pv(s.PDoesNotHoldAdjusted)} | {s.Verdict}{(s.Note.Length > 0 ? $" ({s.Note})" : "")} |"));
        w.WriteLine();
        var pairs = patterns.Count == 0 ? 0 : patterns.Max(p => p.ModelSeedPairs);
        w.WriteLine(Invariant($"Design (docs/research.md): the network pair is the unit ({pairs} here); each statistic is computed on each pair's matrix (mean over stitch seeds), with the additive main effects that are not the claim removed, head-only receiver columns left out; t test and {level} interval over pairs (df = pairs - 1); sign flips over pairs beside it (their smallest possible p is 1/2^pairs). ")
            + Invariant($"Verdict, after Holm across the {patterns.Count} patterns: does not hold when the one-sided test against the margin ({100 * design.Margin:0.#} points of an ideal pattern, as much as the pattern's adjustment leaves of it on these cells: the predicted column's margin; flatness {100 * design.FlatMargin:0.#} points) rejects at {design.Alpha}; else holds when the one-sided test against zero rejects; else cannot tell. ")
            + "The cells share one test set, so no per-cell test noise is added: it is inside each pair's statistic, and inference is conditional on the test set.");
        if (interaction is not null)
        {
            w.WriteLine();
            w.WriteLine(Interaction(interaction));
        }
        return w.ToString();
    }

    /// <summary>The interaction matrix as a table: per cell the mean over network pairs in points and its 95% t interval (descriptive, uncorrected).</summary>
    public static string Interaction(SimilarityMatrix m)
    {
        var w = new StringWriter();
        var pairs = m.Replicates?.SelectMany(r => r).Max() ?? 0;
        w.WriteLine($"Interaction tt - rt - tr + rr (points; mean over {pairs} network pair(s) [95% t interval per cell, uncorrected]; positive: the two trained networks together do better than each alone explains):");
        w.WriteLine();
        w.WriteLine("| sender \\ receiver | " + string.Join(" | ", m.ReceiverLayers.Select(l => m.HeadOnlyColumns?.Contains(l) == true ? $"{l} (head-only)" : l)) + " |");
        w.WriteLine("|---|" + string.Concat(m.ReceiverLayers.Select(_ => "---|")));
        for (var i = 0; i < m.SenderLayers.Count; i++)
            w.WriteLine($"| {m.SenderLayers[i]} | " + string.Join(" | ", m.ReceiverLayers.Select((_, j) => m.Values[i][j] is not { } v ? ""
                : Invariant($"{100 * v:+0.0;-0.0;0.0}") + (m.Low?[i][j] is { } lo && m.High?[i][j] is { } hi ? Invariant($" [{100 * lo:+0.0;-0.0;0.0}, {100 * hi:+0.0;-0.0;0.0}]") : ""))) + " |");
        return w.ToString();
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
    private static string Interval(double low, double high) => double.IsNaN(low) ? "n/a" : Invariant($"[{low:F3}, {high:F3}]");
    private static string F3(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F3", CultureInfo.InvariantCulture);
    private static string Pv(double p) => double.IsNaN(p) ? "n/a" : p < 0.001 ? "< 0.001" : p.ToString("0.###", CultureInfo.InvariantCulture);
}
