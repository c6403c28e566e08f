using System.Globalization;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Analysis;

/// <summary>
/// The seed paper's four patterns read under one design (<see cref="PatternDesign"/>, docs/research.md): per network
/// pair a statistic on that pair's matrix, with the additive main effects that are not the claim removed; the pair as the
/// unit of inference (t test and interval over pairs, exact sign flips beside it); Holm across the family; and a
/// symmetric three-way verdict against an equivalence margin.
/// <list type="number">
/// <item>trained->trained lower-left: mean residual below the diagonal minus above it, rows and columns removed (a
/// deeper sender, or an earlier receiver, that is better everywhere is an additive effect, not a triangle);</item>
/// <item>random->trained early receivers: mean over receivers with depth &lt;= cut minus the later ones, sender rows
/// removed (the claim is the receiver effect itself, so columns stay);</item>
/// <item>trained->random late->late: mean residual where both depths exceed the cut minus elsewhere, rows and
/// columns removed (late senders or late receivers alone are additive effects, not "late->late");</item>
/// <item>random->random uniformly low: low (mean over cells of random->random minus trained->trained below zero) and
/// flat (root mean square deviation of the cells from their mean below <see cref="PatternDesign.FlatMargin"/>), both
/// required (an intersection-union test: the larger of the two p-values); nothing is removed, since row, column and
/// interaction variation all contradict "uniform".</item>
/// </list>
/// Head-only receiver columns are left out of every pattern: a stitch there plus pooling and the classifier is a linear
/// probe of the sender's features. The cells of a pair share one test set, so their test-set noise is not redrawn per
/// cell: it is inside each pair's statistic and reaches the test through the spread between pairs; inference is
/// conditional on the test set.
/// </summary>
public static class PaperPatterns
{
    public const string Triangle = "trained->trained lower-left", Early = "random->trained early receivers",
        LateLate = "trained->random late->late", UniformlyLow = "random->random uniformly low";

    private const double Tolerance = 1e-9;

    public static IReadOnlyList<PatternVerdict> Evaluate(string senderArch, string receiverArch, IReadOnlyList<StitchResult> rows,
        IReadOnlyCollection<string> headOnlyColumns, PatternDesign? design = null)
    {
        design ??= PatternDesign.Default;
        var data = PairData.Create(senderArch, receiverArch, rows, headOnlyColumns);
        // The family: every pattern the sweep's variants measure, fixed by the spec before any result is seen.
        var patterns = Definitions(design).Where(p => p.Variants.All(data.Present)).ToList();
        var primary = patterns.Select(p => p.Read(data, p.PrimaryCut)).ToList();
        var (holds, fails) = Adjust(primary);
        return patterns.Select((p, i) =>
        {
            var sensitivity = p.Cuts.Select(cut =>
            {
                // Each cut as if it had been the pre-registered one: the same family, this pattern's test replaced.
                var reading = p.Read(data, cut);
                var family = primary.ToArray();
                family[i] = reading;
                var (h, f) = Adjust(family);
                var c = reading.Components.Count > 0 ? reading.Components[0] : null;
                return new CutReading(p.CutLabel(cut), reading.CutCells, c?.Value ?? double.NaN, c?.Low ?? double.NaN, c?.High ?? double.NaN, h[i], f[i],
                    PatternVerdict.Decide(h[i], f[i], design.Alpha), reading.Refusal ?? "");
            }).ToList();
            var r = primary[i];
            var verdict = PatternVerdict.Decide(holds[i], fails[i], design.Alpha);
            return new PatternVerdict(p.Id, p.Claim, p.Adjustment, r.Components, r.PHolds, r.PDoesNotHold, holds[i], fails[i], verdict,
                data.AllPairs.Count, r.Cells, $"{p.CutLabel(p.PrimaryCut)}: {r.CutCells}", r.Refusal ?? Explain(r, verdict, design), sensitivity);
        }).ToList();
    }

    private static (double[] Holds, double[] Fails) Adjust(IReadOnlyList<Reading> family) =>
        (Holm.Adjust(family.Select(r => r.PHolds).ToList()), Holm.Adjust(family.Select(r => r.PDoesNotHold).ToList()));

    private static string Explain(Reading r, string verdict, PatternDesign design)
    {
        var main = r.Components[0];
        var margin = double.IsNaN(r.Margin) ? Points(design.Margin)
            : Invariant($"{100 * r.Margin:0.##}-point (adjusted scale: a {100 * design.Margin:0.#}-point ideal pattern after the adjustment)");
        return verdict switch
        {
            PatternVerdict.DoesNotHold when r.Components.Count > 1 => "a component is credibly on the wrong side of its margin",
            PatternVerdict.DoesNotHold when main.EquivalenceP < design.Alpha => Invariant($"equivalent to no effect within ±{margin} (TOST p = {main.EquivalenceP:0.###})"),
            PatternVerdict.DoesNotHold => Invariant($"credibly below the {margin} margin"),
            PatternVerdict.Holds => "credibly in the predicted direction and not shown smaller than the margin",
            _ => Invariant($"neither one-sided test rejects after Holm ({main.PerPair.Count} network pairs)"),
        };
    }

    private static string Points(double fraction) => Invariant($"{100 * fraction:0.#} points");
    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    private static IReadOnlyList<Definition> Definitions(PatternDesign d)
    {
        var tt = Variant.TrainedToTrained.Name();
        var rt = Variant.RandomToTrained.Name();
        var tr = Variant.TrainedToRandom.Name();
        var rr = Variant.RandomToRandom.Name();
        string Depth(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);
        return
        [
            new(Triangle, "trained->trained is higher below the diagonal than above it, beyond additive row and column effects",
                "rows and columns", [tt], d.DiagonalBand, d.DiagonalBands, band => $"band {Depth(band)}",
                (data, band) => Contrast(data, d, tt, Adjustment.RowsAndColumns, "mean residual below - mean residual above the diagonal",
                    c => c.SenderDepth > c.ReceiverDepth + band + Tolerance, c => c.SenderDepth < c.ReceiverDepth - band - Tolerance,
                    (a, b) => $"cells below / above: {a.Count} / {b.Count}")),
            new(Early, "random->trained is high only into early receiver layers", "rows (senders)", [rt], d.EarlyCut, d.DepthCuts,
                cut => $"early = receiver depth <= {Depth(cut)}",
                (data, cut) => Contrast(data, d, rt, Adjustment.Rows, "mean (early receivers) - mean (later receivers)",
                    c => c.ReceiverDepth <= cut + Tolerance, c => c.ReceiverDepth > cut + Tolerance,
                    (a, b) => $"early {Layers(a, c => c.ReceiverLayer)}, later {Layers(b, c => c.ReceiverLayer)}")),
            new(LateLate, "trained->random is high only late->late, beyond additive row and column effects", "rows and columns", [tr], d.LateCut, d.DepthCuts,
                cut => $"late = depth > {Depth(cut)}",
                (data, cut) => Contrast(data, d, tr, Adjustment.RowsAndColumns, "mean residual (both late) - mean residual (rest)",
                    c => c.SenderDepth > cut + Tolerance && c.ReceiverDepth > cut + Tolerance, c => !(c.SenderDepth > cut + Tolerance && c.ReceiverDepth > cut + Tolerance),
                    (a, _) => $"{a.Count} late->late cells (senders {Layers(a, c => c.SenderLayer)}, receivers {Layers(a, c => c.ReceiverLayer)})")),
            new(UniformlyLow, "random->random is uniformly low: below trained->trained and flat", "none",
                [rr, tt], double.NaN, [], _ => "no depth cut", (data, _) => Low(data, d, tt, rr)),
        ];
    }

    private static string Layers(IReadOnlyList<Cell> cells, Func<Cell, string> layer) => cells.Count == 0 ? "none" : string.Join(", ", cells.Select(layer).Distinct());

    private static Reading Contrast(PairData data, PatternDesign design, string variant, Adjustment adjust, string statistic,
        Func<Cell, bool> inA, Func<Cell, bool> inB, Func<IReadOnlyList<Cell>, IReadOnlyList<Cell>, string> describe)
    {
        var a = data.Cells.Where(inA).ToList();
        var b = data.Cells.Where(inB).ToList();
        var cutCells = describe(a, b);
        if (data.Partial([variant]) is { } why) return Reading.Refused(why, cutCells);
        if (a.Count == 0 || b.Count == 0)
            return Reading.Refused($"{data.Where}: this cut leaves no cells on one side ({a.Count} vs {b.Count})", cutCells);

        double Stat(IReadOnlyDictionary<Cell, double> m) => a.Average(c => m[c]) - b.Average(c => m[c]);
        // The margin is in raw points of an ideal pattern (1 on side a, 0 elsewhere, whose raw statistic is 1). The additive
        // adjustment keeps only part of such a pattern on a small grid (on 5 x 3 cells about 0.17 of an ideal triangle, 0.46 of
        // an ideal late->late block), so the equivalence bound is what the adjustment leaves of an ideal pattern the margin's
        // size: otherwise "does not hold" would be read for raw patterns several times the margin.
        var ideal = data.Cells.ToDictionary(c => c, c => inA(c) ? 1.0 : 0.0);
        var retention = Stat(Adjusted(ideal, data.Cells, adjust)) / Stat(ideal);
        if (!(retention > Tolerance))
            return Reading.Refused($"{data.Where}: on these cells the {adjust} adjustment removes an ideal {variant} pattern entirely (retention {retention:0.###}), so no margin can be set", cutCells);
        var margin = design.Margin * retention;
        var adjusted = data.AllPairs.Select(p => Stat(Adjusted(data.Matrix(variant, p), data.Cells, adjust))).ToList();
        var raw = adjust == Adjustment.None ? double.NaN : data.AllPairs.Average(p => Stat(data.Matrix(variant, p)));
        if (data.TooFewPairs() is { } few) return Reading.Described(few, cutCells, a.Count + b.Count, [Described(statistic, "> 0", adjusted, raw)]);
        var test = PairLevelTest.Of(adjusted, $"{data.Where}, {variant}, {statistic}");
        if (!test.HasSpread) return Reading.Refused($"{data.Where}: every network pair gives {test.Mean:0.####} for {variant}: no spread between pairs to test against (duplicated models?)", cutCells);
        var component = Component(test, statistic, design, predictedSign: +1, holdsBound: 0, doesNotHoldBound: margin, raw,
            equivalence: Math.Max(test.PAbove(-margin), test.PBelow(margin)));
        return new Reading([component], component.PHolds, component.PDoesNotHold, a.Count + b.Count, cutCells, null, margin);
    }

    private static Reading Low(PairData data, PatternDesign design, string tt, string rr)
    {
        var cutCells = $"{data.Cells.Count} cells";
        if (data.Partial([rr, tt]) is { } why) return Reading.Refused(why, cutCells);
        var differences = data.AllPairs.Select(p =>
        {
            var (r, t) = (data.Matrix(rr, p), data.Matrix(tt, p));
            return data.Cells.Average(c => r[c] - t[c]);
        }).ToList();
        var spreads = data.AllPairs.Select(p => RootMeanSquareDeviation(data.Matrix(rr, p).Values)).ToList();
        if (data.TooFewPairs() is { } few)
            return Reading.Described(few, cutCells, data.Cells.Count, [Described(LowStatistic, "< 0", differences, double.NaN), Described(FlatStatistic, "< flat margin", spreads, double.NaN)]);
        var lowTest = PairLevelTest.Of(differences, $"{data.Where}, mean (random->random - trained->trained)");
        var flatTest = PairLevelTest.Of(spreads, $"{data.Where}, spread of random->random");
        if (!lowTest.HasSpread || !flatTest.HasSpread)
            return Reading.Refused($"{data.Where}: every network pair gives the same random->random statistics: no spread between pairs to test against (duplicated models?)", cutCells);
        // Low: random->random below trained->trained, by more than the margin for it to matter.
        var low = Component(lowTest, LowStatistic, design, predictedSign: -1, holdsBound: 0,
            doesNotHoldBound: -design.Margin, double.NaN, equivalence: Math.Max(lowTest.PAbove(-design.Margin), lowTest.PBelow(design.Margin)));
        // Flat: one bound, the flatness margin, on both sides (flat when credibly under it, not flat when credibly over it).
        var flat = Component(flatTest, FlatStatistic, design, predictedSign: -1,
            holdsBound: design.FlatMargin, doesNotHoldBound: design.FlatMargin, double.NaN, equivalence: double.NaN);
        // Holds only if both hold (intersection-union: the larger p, no correction needed); does not hold if either
        // does not (a union: Bonferroni over the two).
        return new Reading([low, flat], Math.Max(low.PHolds, flat.PHolds), Math.Min(1, 2 * Math.Min(low.PDoesNotHold, flat.PDoesNotHold)),
            data.Cells.Count, cutCells, null);
    }

    private const string LowStatistic = "mean over cells of (random->random - trained->trained)",
        FlatStatistic = "root mean square deviation of the random->random cells from their mean";

    /// <summary>A statistic shown without a test (one network pair): its value, no interval and no p-values.</summary>
    private static PatternComponent Described(string statistic, string predicted, IReadOnlyList<double> perPair, double raw) =>
        new(statistic, predicted, perPair.Average(), double.NaN, double.NaN, raw, double.NaN, double.NaN, double.NaN, double.NaN, Math.Pow(2, -perPair.Count), perPair);

    /// <param name="predictedSign">+1 when the claim predicts a large statistic, -1 a small one.</param>
    private static PatternComponent Component(PairLevelTest test, string statistic, PatternDesign design, int predictedSign, double holdsBound,
        double doesNotHoldBound, double raw, double equivalence)
    {
        var (low, high) = test.Interval(design.IntervalLevel);
        var up = predictedSign > 0;
        var predicted = Invariant($"{(up ? ">" : "<")} {holdsBound:0.###}") + (doesNotHoldBound != holdsBound ? Invariant($" (margin {doesNotHoldBound:0.###})") : "");
        return new PatternComponent(statistic, predicted, test.Mean, low, high, raw,
            up ? test.PAbove(holdsBound) : test.PBelow(holdsBound), up ? test.PBelow(doesNotHoldBound) : test.PAbove(doesNotHoldBound), equivalence,
            up ? test.SignFlipPAbove(holdsBound) : test.SignFlipPBelow(holdsBound), test.MinimumSignFlipP, test.Values);
    }

    private static double RootMeanSquareDeviation(IEnumerable<double> values)
    {
        var list = values.ToList();
        var mean = list.Average();
        return Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / list.Count);
    }

    internal enum Adjustment { None, Rows, RowsAndColumns }

    /// <summary>
    /// The matrix less the additive main effects <paramref name="adjust"/> names: m[i][j] - row mean [- column mean] + grand
    /// mean. On a complete grid removing rows leaves every contrast between columns unchanged; it is made so that each
    /// pattern's statistic is defined on the same kind of matrix the design describes.
    /// </summary>
    internal static Dictionary<Cell, double> Adjusted(IReadOnlyDictionary<Cell, double> m, IReadOnlyList<Cell> cells, Adjustment adjust)
    {
        if (adjust == Adjustment.None) return cells.ToDictionary(c => c, c => m[c]);
        var grand = cells.Average(c => m[c]);
        var rows = cells.GroupBy(c => c.SenderLayer).ToDictionary(g => g.Key, g => g.Average(c => m[c]) - grand);
        var cols = cells.GroupBy(c => c.ReceiverLayer).ToDictionary(g => g.Key, g => g.Average(c => m[c]) - grand);
        return cells.ToDictionary(c => c, c => m[c] - rows[c.SenderLayer] - (adjust == Adjustment.RowsAndColumns ? cols[c.ReceiverLayer] : 0));
    }

    private sealed record Definition(string Id, string Claim, string Adjustment, IReadOnlyList<string> Variants, double PrimaryCut,
        IReadOnlyList<double> Cuts, Func<double, string> CutLabel, Func<PairData, double, Reading> Read);

    /// <summary>A pattern's tests before Holm; <see cref="Refusal"/> says why it could not be read (then the p-values are NaN).</summary>
    /// <param name="Margin">The does-not-hold bound of the main component on the adjusted scale (NaN: the design's own margin).</param>
    private sealed record Reading(IReadOnlyList<PatternComponent> Components, double PHolds, double PDoesNotHold, int Cells, string CutCells, string? Refusal,
        double Margin = double.NaN)
    {
        public static Reading Refused(string why, string cutCells) => new([], double.NaN, double.NaN, 0, cutCells, why);

        /// <summary>Values without tests: the statistic could be computed, but not tested (<paramref name="why"/>).</summary>
        public static Reading Described(string why, string cutCells, int cells, IReadOnlyList<PatternComponent> components) =>
            new(components, double.NaN, double.NaN, cells, cutCells, why);
    }

    internal sealed record Cell(string SenderLayer, string ReceiverLayer, double SenderDepth, double ReceiverDepth);

    /// <summary>
    /// A sweep pair's accuracies by variant, network pair (sender seed, receiver seed) and cell, each the mean over the
    /// cell's stitch seeds (they share the pair's networks and test images, so they are subsamples within the unit).
    /// </summary>
    internal sealed class PairData
    {
        private readonly Dictionary<(string Variant, (int, int) Seeds, Cell Cell), double> _values = [];
        public required IReadOnlyList<Cell> Cells { get; init; }
        public required IReadOnlyList<(int, int)> AllPairs { get; init; }
        /// <summary>The sweep pair, for messages: "resnet(1,1,1,1) -> resnet18".</summary>
        public required string Where { get; init; }

        public static PairData Create(string senderArch, string receiverArch, IReadOnlyList<StitchResult> rows, IReadOnlyCollection<string> headOnly)
        {
            var mine = rows.Where(r => r.SenderArch == senderArch && r.ReceiverArch == receiverArch && !headOnly.Contains(r.ReceiverLayer)).ToList();
            // The full grid of the layers seen: a cell missing from any variant's network pair makes that variant unreadable.
            var cells = (from i in mine.Select(r => r.SenderLayer).Distinct()
                         from j in mine.Select(r => r.ReceiverLayer).Distinct()
                         select new Cell(i, j, PatternStatistics.Depth(senderArch, i), PatternStatistics.Depth(receiverArch, j))).ToList();
            var byName = cells.ToDictionary(c => (c.SenderLayer, c.ReceiverLayer));
            var data = new PairData
            {
                Cells = cells, AllPairs = mine.Select(r => (r.SenderSeed, r.ReceiverSeed)).Distinct().Order().ToList(), Where = $"{senderArch} -> {receiverArch}",
            };
            foreach (var g in mine.GroupBy(r => (r.Variant, Seeds: (r.SenderSeed, r.ReceiverSeed), Cell: byName[(r.SenderLayer, r.ReceiverLayer)])))
                data._values[(g.Key.Variant, g.Key.Seeds, g.Key.Cell)] = g.Average(r => r.Accuracy);
            return data;
        }

        /// <summary>Whether the sweep has any row of the variant.</summary>
        public bool Present(string variant) => _values.Keys.Any(k => k.Variant == variant);

        /// <summary>Why the variants cannot be read here (a partial matrix: a statistic of it would mislead), or null.</summary>
        public string? Partial(IReadOnlyList<string> variants) =>
            variants.FirstOrDefault(v => Cells.Count == 0 || !AllPairs.All(p => Cells.All(c => _values.ContainsKey((v, p, c))))) is { } partial
                ? $"{Where}: {partial} lacks cells for some network pair (a partial matrix is not read)"
                : null;

        /// <summary>Why no test can run (fewer than two network pairs: no spread between units), or null.</summary>
        public string? TooFewPairs() => AllPairs.Count < 2
            ? $"{Where}: {AllPairs.Count} network pair(s) ({string.Join(", ", AllPairs.Select(p => $"seeds {p.Item1}->{p.Item2}"))}); the network pair is the unit of inference and a test needs at least 2, so the value is shown untested"
            : null;

        public Dictionary<Cell, double> Matrix(string variant, (int, int) pair) => Cells.ToDictionary(c => c, c => _values[(variant, pair, c)]);
    }
}
