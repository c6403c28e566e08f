using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Analysis;

/// <summary>
/// A matrix of a signed sum of variants computed per network pair and summarized over pairs: per cell the mean over
/// pairs, the two-sided t interval at <c>level</c> (df = pairs - 1; null with fewer than two pairs or no spread),
/// the standard deviation over pairs and their number. The interaction contrast trained->trained - random->trained -
/// trained->random + random->random is the part of trained->trained that neither the trained sender alone nor the
/// trained receiver alone explains. Per-cell intervals are descriptive (no correction across cells); head-only columns
/// are kept and marked, as in every matrix.
/// </summary>
public static class PairContrastMatrix
{
    public static IReadOnlyList<(Variant Variant, int Sign)> Interaction { get; } =
        [(Variant.TrainedToTrained, +1), (Variant.RandomToTrained, -1), (Variant.TrainedToRandom, -1), (Variant.RandomToRandom, +1)];

    public const string InteractionTitle = "interaction: tt - rt - tr + rr";
    public const string InteractionSlug = "interaction";

    /// <summary>The contrast's matrix, or null when the sweep lacks one of its variants.</summary>
    public static SimilarityMatrix? Create(string title, PairPlan pair, IReadOnlyList<StitchResult> rows, IReadOnlyList<(Variant Variant, int Sign)> terms,
        double level = 0.95)
    {
        var mine = rows.Where(r => r.SenderArch == pair.SenderArch.Name && r.ReceiverArch == pair.ReceiverArch.Name).ToList();
        if (terms.Any(t => mine.All(r => r.Variant != t.Variant.Name()))) return null;
        // Per variant, network pair and cell: the mean over stitch seeds (subsamples within the unit).
        var means = mine.GroupBy(r => (r.Variant, r.SenderSeed, r.ReceiverSeed, r.SenderLayer, r.ReceiverLayer))
            .ToDictionary(g => g.Key, g => g.Average(r => r.Accuracy));
        var networkPairs = mine.Select(r => (r.SenderSeed, r.ReceiverSeed)).Distinct().Order().ToList();
        var senders = pair.SenderLayers.Select(l => l.Name).ToList();
        var receivers = pair.ReceiverLayers.Select(l => l.Name).ToList();
        double?[][] Grid() => senders.Select(_ => new double?[receivers.Count]).ToArray();
        var (values, low, high, spread) = (Grid(), Grid(), Grid(), Grid());
        var replicates = senders.Select(_ => new int?[receivers.Count]).ToArray();
        for (var i = 0; i < senders.Count; i++)
        for (var j = 0; j < receivers.Count; j++)
        {
            var perPair = new List<double>();
            foreach (var (s, r) in networkPairs)
            {
                var keys = terms.Select(t => (t.Variant.Name(), s, r, senders[i], receivers[j])).ToList();
                // A network pair lacking any term in this cell gives no contrast here (not a partial sum).
                if (keys.All(means.ContainsKey)) perPair.Add(terms.Select((t, k) => t.Sign * means[keys[k]]).Sum());
            }
            if (perPair.Count == 0) continue;
            values[i][j] = perPair.Average();
            replicates[i][j] = perPair.Count;
            if (perPair.Count < 2) continue;
            var test = new PairLevelTest(perPair);
            spread[i][j] = test.StandardDeviation;
            if (!test.HasSpread) continue;
            (low[i][j], high[i][j]) = test.Interval(level);
        }
        return new SimilarityMatrix(title, pair.SenderArch.Name, pair.ReceiverArch.Name, senders, receivers, values)
        {
            HeadOnlyColumns = CellMatrix.HeadOnlyColumns(pair),
            Low = low, High = high, Replicates = replicates,
            Spread = spread.Any(row => row.Any(v => v is not null)) ? spread : null,
        };
    }
}
