using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Analysis;

/// <summary>
/// The seed paper's four patterns, each read from a sweep's rows as a statistic with a 95% bootstrap interval and a
/// one-sided permutation test, and a verdict: "holds", "does not hold" or "cannot tell".
/// <list type="number">
/// <item>trained->trained is higher below the diagonal (sender relatively deeper than the receiver layer it stands in
/// for) than above it: mean below minus mean above, raw and after removing additive row and column effects (a deeper
/// sender, or an earlier receiver, that is better everywhere makes a raw triangle gap without any layer matching);</item>
/// <item>random->trained is high only into early receiver layers: mean over receiver depth &lt;= 1/2 minus mean over
/// the later ones;</item>
/// <item>trained->random is high only late->late: mean over cells with both depths &gt; 1/2 minus mean over the rest;</item>
/// <item>random->random is uniformly low: the largest cell-wise difference random->random minus trained->trained
/// (below zero when every random->random cell is lower).</item>
/// </list>
/// Head-only receiver columns are left out of every statistic: a stitch there plus pooling and the classifier is a
/// linear probe of the sender's features, which on an easy dataset scores highly from almost anything.
/// Uncertainty: each bootstrap replicate resamples the model-seed pairs (independently trained base models), redraws each
/// cell's accuracy from its binomial test-set noise, and for region contrasts resamples the cells within each region.
/// With one model-seed pair the interval covers test-set and cell sampling only, and says so in <see cref="PatternVerdict.Note"/>.
/// </summary>
public static class PaperPatterns
{
    /// <summary>Smallest effect, in accuracy, that counts: an interval on the predicted side but entirely below it reads "does not hold".</summary>
    public const double MinimumEffect = 0.02;
    public const double Alpha = 0.05;

    public static IReadOnlyList<PatternVerdict> Evaluate(string senderArch, string receiverArch, IReadOnlyList<StitchResult> rows,
        IReadOnlyCollection<string> headOnlyColumns, int resamples = 2000, int seed = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        var data = PairData.Create(senderArch, receiverArch, rows, headOnlyColumns);
        var random = new Random(seed);
        var list = new List<PatternVerdict>();
        var tt = Variant.TrainedToTrained.Name();
        var rt = Variant.RandomToTrained.Name();
        var tr = Variant.TrainedToRandom.Name();
        var rr = Variant.RandomToRandom.Name();

        if (data.Present(tt))
        {
            list.Add(Contrast(data, random, resamples, "trained->trained lower-left", "trained->trained is higher below the diagonal than above it",
                "mean below - mean above", tt, c => c.SenderDepth > c.ReceiverDepth + 1e-9, c => c.SenderDepth < c.ReceiverDepth - 1e-9, adjust: false));
            list.Add(Contrast(data, random, resamples, "trained->trained lower-left, beyond row and column effects",
                "the triangle gap remains after removing each sender layer's and receiver layer's additive effect",
                "mean residual below - mean residual above", tt, c => c.SenderDepth > c.ReceiverDepth + 1e-9, c => c.SenderDepth < c.ReceiverDepth - 1e-9, adjust: true));
        }
        if (data.Present(rt))
            list.Add(Contrast(data, random, resamples, "random->trained early receivers", "random->trained is high only into early receiver layers",
                "mean (receiver depth <= 1/2) - mean (later)", rt, c => c.ReceiverDepth <= 0.5, c => c.ReceiverDepth > 0.5, adjust: false));
        if (data.Present(tr))
            list.Add(Contrast(data, random, resamples, "trained->random late->late", "trained->random is high only late->late",
                "mean (both depths > 1/2) - mean (rest)", tr, c => c.SenderDepth > 0.5 && c.ReceiverDepth > 0.5, c => !(c.SenderDepth > 0.5 && c.ReceiverDepth > 0.5), adjust: false));
        if (data.Present(rr) && data.Present(tt))
            list.Add(data.Has(rr) && data.Has(tt) ? UniformlyLow(data, random, resamples, tt, rr)
                : PatternVerdict.NotMeasurable("random->random uniformly low", "random->random is lower than trained->trained in every cell",
                    "max over cells of (random->random - trained->trained)", data, "random->random or trained->trained lacks cells for some model-seed pair"));
        return list;
    }

    private static PatternVerdict Contrast(PairData data, Random random, int resamples, string pattern, string claim, string statistic,
        string variant, Func<Cell, bool> inA, Func<Cell, bool> inB, bool adjust)
    {
        if (!data.Has(variant))
            return PatternVerdict.NotMeasurable(pattern, claim, statistic, data, $"{variant} lacks cells for some model-seed pair (a partial matrix is not read)");
        var a = data.Cells.Where(inA).ToList();
        var b = data.Cells.Where(inB).ToList();
        if (a.Count == 0 || b.Count == 0)
            return PatternVerdict.NotMeasurable(pattern, claim, statistic, data, $"the sweep's layers give no cells on one side ({a.Count} vs {b.Count})");

        double Stat(IReadOnlyDictionary<Cell, double> m, IReadOnlyList<Cell> aCells, IReadOnlyList<Cell> bCells)
        {
            var values = adjust ? Residuals(m, data.Cells) : m;
            return aCells.Average(c => values[c]) - bCells.Average(c => values[c]);
        }

        var observedMatrix = data.Mean(variant, data.AllPairs);
        var observed = Stat(observedMatrix, a, b);
        var boot = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            var m = data.Noisy(variant, data.ResamplePairs(random), random);
            boot[r] = Stat(m, Resample(a, random), Resample(b, random));
        }
        // Permutation: under "no pattern" the cells' positions are exchangeable (all cells, so residuals stay defined).
        var pooled = data.Cells;
        var values = pooled.Select(c => observedMatrix[c]).ToArray();
        var extreme = 0;
        for (var r = 0; r < resamples; r++)
        {
            Shuffle(values, random);
            var shuffled = pooled.Select((c, k) => (c, v: values[k])).ToDictionary(x => x.c, x => x.v);
            if (Stat(shuffled, a, b) >= observed) extreme++;
        }
        return PatternVerdict.From(pattern, claim, statistic, observed, boot, (extreme + 1.0) / (resamples + 1), predictedSign: +1, data, a.Count + b.Count);
    }

    private static PatternVerdict UniformlyLow(PairData data, Random random, int resamples, string tt, string rr)
    {
        const string pattern = "random->random uniformly low", claim = "random->random is lower than trained->trained in every cell",
            statistic = "max over cells of (random->random - trained->trained)";
        var cells = data.Cells;
        double Stat(IReadOnlyDictionary<Cell, double> t, IReadOnlyDictionary<Cell, double> r) => cells.Max(c => r[c] - t[c]);
        var observedT = data.Mean(tt, data.AllPairs);
        var observedR = data.Mean(rr, data.AllPairs);
        var observed = Stat(observedT, observedR);
        var boot = new double[resamples];
        for (var k = 0; k < resamples; k++)
        {
            var pairs = data.ResamplePairs(random);
            boot[k] = Stat(data.Noisy(tt, pairs, random), data.Noisy(rr, pairs, random));
        }
        // Sign flips: under "no difference" each cell's two variants are exchangeable.
        var differences = cells.Select(c => observedR[c] - observedT[c]).ToArray();
        var extreme = 0;
        for (var k = 0; k < resamples; k++)
            if (differences.Max(d => random.Next(2) == 0 ? d : -d) <= observed) extreme++;
        return PatternVerdict.From(pattern, claim, statistic, observed, boot, (extreme + 1.0) / (resamples + 1), predictedSign: -1, data, cells.Count);
    }

    /// <summary>m[i][j] minus its row mean and column mean plus the grand mean: what is left once additive layer effects are removed.</summary>
    private static Dictionary<Cell, double> Residuals(IReadOnlyDictionary<Cell, double> m, IReadOnlyList<Cell> cells)
    {
        var grand = cells.Average(c => m[c]);
        var rows = cells.GroupBy(c => c.SenderLayer).ToDictionary(g => g.Key, g => g.Average(c => m[c]));
        var cols = cells.GroupBy(c => c.ReceiverLayer).ToDictionary(g => g.Key, g => g.Average(c => m[c]));
        return cells.ToDictionary(c => c, c => m[c] - rows[c.SenderLayer] - cols[c.ReceiverLayer] + grand);
    }

    private static List<Cell> Resample(IReadOnlyList<Cell> cells, Random random) =>
        Enumerable.Range(0, cells.Count).Select(_ => cells[random.Next(cells.Count)]).ToList();

    private static void Shuffle(double[] values, Random random)
    {
        for (var i = values.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    internal sealed record Cell(string SenderLayer, string ReceiverLayer, double SenderDepth, double ReceiverDepth);

    /// <summary>
    /// A pair's accuracies by variant, model-seed pair and cell (mean over stitch seeds), with each cell's test-set size
    /// (the stitch seeds of a cell are scored on the same test images, so their mean has one test set's noise).
    /// </summary>
    internal sealed class PairData
    {
        private readonly Dictionary<(string Variant, (int, int) Seeds, Cell Cell), (double Accuracy, int TestImages)> _values = [];
        public required IReadOnlyList<Cell> Cells { get; init; }
        public required IReadOnlyList<(int, int)> AllPairs { get; init; }

        public static PairData Create(string senderArch, string receiverArch, IReadOnlyList<StitchResult> rows, IReadOnlyCollection<string> headOnly)
        {
            var mine = rows.Where(r => r.SenderArch == senderArch && r.ReceiverArch == receiverArch && !headOnly.Contains(r.ReceiverLayer)).ToList();
            // The full grid of the layers seen: a cell missing from any variant's seed pair makes that variant unreadable (Has).
            var cells = (from i in mine.Select(r => r.SenderLayer).Distinct()
                         from j in mine.Select(r => r.ReceiverLayer).Distinct()
                         select new Cell(i, j, PatternStatistics.Depth(senderArch, i), PatternStatistics.Depth(receiverArch, j))).ToList();
            var byName = cells.ToDictionary(c => (c.SenderLayer, c.ReceiverLayer));
            var data = new PairData { Cells = cells, AllPairs = mine.Select(r => (r.SenderSeed, r.ReceiverSeed)).Distinct().Order().ToList() };
            foreach (var g in mine.GroupBy(r => (r.Variant, Seeds: (r.SenderSeed, r.ReceiverSeed)), r => r))
            foreach (var cell in g.GroupBy(r => byName[(r.SenderLayer, r.ReceiverLayer)]))
                data._values[(g.Key.Variant, g.Key.Seeds, cell.Key)] = (cell.Average(r => r.Accuracy), cell.Max(r => Math.Max(r.TestImages, 0)));
            return data;
        }

        /// <summary>Whether the sweep has any row of the variant.</summary>
        public bool Present(string variant) => _values.Keys.Any(k => k.Variant == variant);

        /// <summary>Whether the variant has every cell for every model-seed pair (a statistic of a partial matrix would mislead).</summary>
        public bool Has(string variant) => Cells.Count > 0 && AllPairs.All(p => Cells.All(c => _values.ContainsKey((variant, p, c))));

        public IReadOnlyList<(int, int)> ResamplePairs(Random random) =>
            Enumerable.Range(0, AllPairs.Count).Select(_ => AllPairs[random.Next(AllPairs.Count)]).ToList();

        public Dictionary<Cell, double> Mean(string variant, IReadOnlyList<(int, int)> pairs) =>
            Cells.ToDictionary(c => c, c => pairs.Average(p => _values[(variant, p, c)].Accuracy));

        /// <summary>The mean over <paramref name="pairs"/>, each cell's accuracy redrawn from its binomial test-set noise (normal approximation).</summary>
        public Dictionary<Cell, double> Noisy(string variant, IReadOnlyList<(int, int)> pairs, Random random) =>
            Cells.ToDictionary(c => c, c => pairs.Average(p =>
            {
                var (accuracy, n) = _values[(variant, p, c)];
                if (n <= 0) return accuracy;
                var sd = Math.Sqrt(accuracy * (1 - accuracy) / n);
                return accuracy + sd * Gaussian(random);
            }));

        private static double Gaussian(Random random)
        {
            var u1 = 1.0 - random.NextDouble();
            return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * random.NextDouble());
        }
    }
}

/// <summary>
/// One pattern's reading: the statistic on the sweep, its 95% percentile bootstrap interval, the one-sided permutation
/// p-value in the predicted direction, and the verdict: "holds" when the interval lies on the predicted side of zero
/// and p &lt; 0.05; "does not hold" when it lies on the other side, or on the predicted side but entirely within
/// <see cref="PaperPatterns.MinimumEffect"/> of zero; "cannot tell" otherwise.
/// </summary>
public sealed record PatternVerdict(string Pattern, string Claim, string Statistic, double Value, double Low, double High, double PValue,
    string Verdict, int ModelSeedPairs, int Cells, string Note)
{
    public const string Holds = "holds", DoesNotHold = "does not hold", CannotTell = "cannot tell";

    internal static PatternVerdict From(string pattern, string claim, string statistic, double value, double[] boot, double p, int predictedSign,
        PaperPatterns.PairData data, int cells)
    {
        Array.Sort(boot);
        double low = Quantile(boot, 0.025), high = Quantile(boot, 0.975);
        // In the predicted direction: positive when the pattern's way.
        double lo = predictedSign > 0 ? low : -high, hi = predictedSign > 0 ? high : -low;
        // Too small to matter is checked first: a significant effect of less than MinimumEffect does not make a pattern.
        var verdict = hi < 0 || (lo >= 0 && hi < PaperPatterns.MinimumEffect) ? DoesNotHold
            : lo > 0 && p < PaperPatterns.Alpha ? Holds
            : CannotTell;
        var note = data.AllPairs.Count == 1
            ? "one model-seed pair: the interval covers test-set noise and the choice of cells, not other trained networks"
            : $"{data.AllPairs.Count} model-seed pairs resampled";
        return new PatternVerdict(pattern, claim, statistic, value, low, high, p, verdict, data.AllPairs.Count, cells, note);
    }

    internal static PatternVerdict NotMeasurable(string pattern, string claim, string statistic, PaperPatterns.PairData data, string why) =>
        new(pattern, claim, statistic, double.NaN, double.NaN, double.NaN, double.NaN, CannotTell, data.AllPairs.Count, 0, why);

    private static double Quantile(double[] sorted, double q)
    {
        var pos = q * (sorted.Length - 1);
        var i = (int)Math.Floor(pos);
        return i + 1 < sorted.Length ? sorted[i] + (pos - i) * (sorted[i + 1] - sorted[i]) : sorted[i];
    }
}
