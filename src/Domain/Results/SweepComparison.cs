using Stitching.Domain.Architectures;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Results;

/// <summary>
/// Sweep B against sweep A for one variant and one (sender, receiver) architecture pair: per cell each sweep's mean
/// accuracy over its replicates (model-seed pairs × stitch seeds) with its spread, the difference B − A (positive: B stitches better), and whether
/// that difference lies outside both spreads (<see cref="Rule"/>). Only the layers both sweeps ran are compared;
/// the others are listed in <see cref="Dropped"/>. <see cref="SettingDifferences"/> names the sweep settings
/// (long-table columns) in which the two differ, so a reader sees what the difference could come from.
/// <see cref="Difference"/> is the B − A matrix with the outside cells marked, for the matrix renderer.
/// </summary>
public sealed record SweepComparison(
    string SweepA,
    string SweepB,
    string Variant,
    string Dataset,
    string SenderArch,
    string ReceiverArch,
    IReadOnlyList<ComparisonLayer> Dropped,
    IReadOnlyList<SettingDifference> SettingDifferences,
    IReadOnlyList<ComparedCell> Cells,
    SimilarityMatrix Difference)
{
    public const string Rule =
        "A cell is marked when B's mean accuracy lies outside A's spread and A's mean lies outside B's. " +
        "A sweep's spread in a cell is min..max of its accuracies over replicates (model-seed pairs × stitch seeds) when it has two or more there, " +
        "else the 95% Wilson interval of its one accuracy on the test images (test-set sampling only). " +
        "A cell missing from either sweep, or without an interval (no test-set size recorded), is never marked.";

    /// <summary>
    /// Compares <paramref name="b"/> with <paramref name="a"/>. The pair is the first of A's plan unless
    /// <paramref name="senderArch"/> / <paramref name="receiverArch"/> pick one. A pair A does not have is an
    /// <see cref="ArgumentException"/> (a bad parameter); sweeps that cannot be compared (other dataset, B lacks the pair
    /// or the variant, no layer in common) are an <see cref="IncomparableSweepsException"/>.
    /// </summary>
    public static SweepComparison Compare(SweepResults a, SweepResults b, Variant variant, string? senderArch = null, string? receiverArch = null)
    {
        if (a.Spec.Dataset != b.Spec.Dataset)
            throw new IncomparableSweepsException($"Sweep {a.SweepId} ran on {a.Spec.Dataset} and {b.SweepId} on {b.Spec.Dataset}: accuracies on different test sets do not subtract.");
        var planA = SweepPlan.Create(a.Spec);
        var planB = SweepPlan.Create(b.Spec);
        var pairA = planA.Pairs.FirstOrDefault(p => (senderArch is null || ResNetSpec.SameArch(p.SenderArch.Name, senderArch)) && (receiverArch is null || ResNetSpec.SameArch(p.ReceiverArch.Name, receiverArch)))
            ?? throw new ArgumentException($"sender {senderArch ?? "(any)"}, receiver {receiverArch ?? "(any)"}: sweep {a.SweepId} has no such pair; it stitches {Pairs(planA)}.");
        var pairB = planB.Pairs.FirstOrDefault(p => p.SenderArch.Equals(pairA.SenderArch) && p.ReceiverArch.Equals(pairA.ReceiverArch))
            ?? throw new IncomparableSweepsException($"Sweep {b.SweepId} has no pair {pairA.SenderArch.Name} -> {pairA.ReceiverArch.Name} (it stitches {Pairs(planB)}); only the same architectures compare layer by layer.");
        foreach (var (sweep, plan) in new[] { (a, planA), (b, planB) })
            if (!plan.Variants.Contains(variant))
                throw new IncomparableSweepsException($"Sweep {sweep.SweepId} did not run {variant.Name()} (it ran {string.Join(", ", plan.Variants.Select(v => v.Name()))}).");

        var dropped = new List<ComparisonLayer>();
        var senderLayers = Common("sender", pairA.SenderLayers.Select(l => l.Name).ToList(), pairB.SenderLayers.Select(l => l.Name).ToList(), a, b, dropped);
        var receiverLayers = Common("receiver", pairA.ReceiverLayers.Select(l => l.Name).ToList(), pairB.ReceiverLayers.Select(l => l.Name).ToList(), a, b, dropped);
        if (senderLayers.Count == 0 || receiverLayers.Count == 0)
            throw new IncomparableSweepsException($"Sweeps {a.SweepId} and {b.SweepId} have no {(senderLayers.Count == 0 ? "sender" : "receiver")} layer in common.");

        var spreadsA = Spreads(a, variant, pairA);
        var spreadsB = Spreads(b, variant, pairA);
        var cells = new List<ComparedCell>();
        var values = senderLayers.Select(_ => new double?[receiverLayers.Count]).ToArray();
        var marks = senderLayers.Select(_ => new bool[receiverLayers.Count]).ToArray();
        for (var i = 0; i < senderLayers.Count; i++)
        for (var j = 0; j < receiverLayers.Count; j++)
        {
            var sa = spreadsA.GetValueOrDefault((senderLayers[i], receiverLayers[j]));
            var sb = spreadsB.GetValueOrDefault((senderLayers[i], receiverLayers[j]));
            double? difference = sa is not null && sb is not null ? sb.Mean - sa.Mean : null;
            var outside = sa is not null && sb is not null && sb.Excludes(sa.Mean) && sa.Excludes(sb.Mean);
            cells.Add(new ComparedCell(senderLayers[i], receiverLayers[j], sa, sb, difference, outside));
            values[i][j] = difference;
            marks[i][j] = outside;
        }

        var settingsA = LongResultsTable.Settings(a.Spec);
        var settingsB = LongResultsTable.Settings(b.Spec).ToDictionary(s => s.Column, s => s.Value);
        var settingDifferences = settingsA.Where(s => settingsB[s.Column] != s.Value).Select(s => new SettingDifference(s.Column, s.Value, settingsB[s.Column])).ToList();

        var title = $"{variant.Name()}: {b.SweepId} − {a.SweepId} (* outside both spreads)";
        var matrix = new SimilarityMatrix(title, pairA.SenderArch.Name, pairA.ReceiverArch.Name, senderLayers, receiverLayers, values)
        {
            HeadOnlyColumns = CellMatrix.HeadOnlyColumns(pairA).Intersect(receiverLayers).ToList(),
            Marks = marks,
        };
        return new SweepComparison(a.SweepId, b.SweepId, variant.Name(), a.Spec.Dataset, pairA.SenderArch.Name, pairA.ReceiverArch.Name,
            dropped, settingDifferences, cells, matrix);
    }

    /// <summary>The spread of a cell's accuracies by <see cref="Rule"/>: min..max over two or more replicates, else the one accuracy's Wilson interval.</summary>
    public static CellSpread Spread(IReadOnlyList<StitchResult> replicates)
    {
        if (replicates.Count == 0) throw new ArgumentException("A cell needs at least one result.", nameof(replicates));
        var mean = replicates.Average(r => r.Accuracy);
        if (replicates.Count > 1)
            return new CellSpread(mean, replicates.Min(r => r.Accuracy), replicates.Max(r => r.Accuracy), replicates.Count, CellSpread.SeedRange);
        var one = replicates[0];
        // Rows written before the interval was recorded carry NaN: recompute it from the test-set size where that is known.
        var (low, high) = double.IsNaN(one.AccuracyLow) || double.IsNaN(one.AccuracyHigh) ? WilsonInterval.Of(one.Accuracy, one.TestImages) : (one.AccuracyLow, one.AccuracyHigh);
        return new CellSpread(mean, low, high, 1, CellSpread.Wilson);
    }

    private static Dictionary<(string, string), CellSpread> Spreads(SweepResults sweep, Variant variant, PairPlan pair) =>
        sweep.Rows
            .Where(r => Variants.TryParse(r.Variant, out var v) && v == variant
                        && ResNetSpec.SameArch(r.SenderArch, pair.SenderArch.Name) && ResNetSpec.SameArch(r.ReceiverArch, pair.ReceiverArch.Name))
            .GroupBy(r => (r.SenderLayer, r.ReceiverLayer))
            .ToDictionary(g => g.Key, g => Spread(g.ToList()));

    private static List<string> Common(string side, IReadOnlyList<string> inA, IReadOnlyList<string> inB, SweepResults a, SweepResults b, List<ComparisonLayer> dropped)
    {
        dropped.AddRange(inA.Except(inB).Select(l => new ComparisonLayer(side, l, a.SweepId)));
        dropped.AddRange(inB.Except(inA).Select(l => new ComparisonLayer(side, l, b.SweepId)));
        return inA.Intersect(inB).ToList();
    }

    private static string Pairs(SweepPlan plan) => string.Join(", ", plan.Pairs.Select(p => $"{p.SenderArch.Name} -> {p.ReceiverArch.Name}"));
}

/// <summary>
/// One sweep's accuracies in one cell: their mean over <see cref="Replicates"/> rows (model-seed pairs × stitch seeds) and the
/// spread [<see cref="Low"/>, <see cref="High"/>] that <see cref="Kind"/> names (<see cref="SeedRange"/> or <see cref="Wilson"/>).
/// Low and High are NaN when a single row has no recorded test-set size.
/// </summary>
public sealed record CellSpread(double Mean, double Low, double High, int Replicates, string Kind)
{
    public const string SeedRange = "seed-range";
    public const string Wilson = "wilson";

    /// <summary>True when <paramref name="accuracy"/> lies outside the spread; false when it is inside or the spread is unknown (NaN).</summary>
    public bool Excludes(double accuracy) => accuracy < Low || accuracy > High;
}

/// <summary>A cell of a comparison: A's and B's spreads (null where that sweep has no result yet), B − A, and whether it is outside both spreads.</summary>
public sealed record ComparedCell(string SenderLayer, string ReceiverLayer, CellSpread? A, CellSpread? B, double? Difference, bool Outside);

/// <summary>A layer left out of a comparison because only <see cref="OnlyIn"/> ran it; <see cref="Side"/> is "sender" or "receiver".</summary>
public sealed record ComparisonLayer(string Side, string Layer, string OnlyIn);

/// <summary>A sweep setting (a long-table column) whose value differs between the compared sweeps, as the CSV writes it.</summary>
public sealed record SettingDifference(string Setting, string A, string B);
