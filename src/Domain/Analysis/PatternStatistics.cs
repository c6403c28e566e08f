using Stitching.Domain.Architectures;
using Stitching.Domain.Results;

namespace Stitching.Domain.Analysis;

/// <summary>
/// Numbers that summarize a layer-to-layer matrix by relative depth: a layer's depth is its index over the last
/// index of its architecture (stem 0, last block 1), so networks of different depths compare. Rows are sender layers,
/// columns receiver layers, as in the seed paper's figures; "below the diagonal" (the lower-left triangle) means the
/// sender layer is relatively deeper than the receiver layer it stands in for.
/// </summary>
public static class PatternStatistics
{
    /// <summary>Relative depth in [0, 1] of <paramref name="layer"/> in <paramref name="arch"/>.</summary>
    public static double Depth(string arch, string layer)
    {
        var layers = ArchitectureCatalog.Layers(ResNetSpec.Parse(arch), 1);
        return layers.First(l => l.Name == layer).Index / (double)(layers.Count - 1);
    }

    /// <summary>The cells of a matrix with their relative depths; missing cells are skipped.</summary>
    public static IEnumerable<(double SenderDepth, double ReceiverDepth, double Value)> Cells(SimilarityMatrix m)
    {
        for (var i = 0; i < m.SenderLayers.Count; i++)
        for (var j = 0; j < m.ReceiverLayers.Count; j++)
            if (m.Values[i][j] is { } v && !double.IsNaN(v))
                yield return (Depth(m.SenderArch, m.SenderLayers[i]), Depth(m.ReceiverArch, m.ReceiverLayers[j]), v);
    }

    /// <summary>Mean, standard deviation, minimum, maximum and count of a set of values (NaN when empty).</summary>
    public sealed record Summary(double Mean, double Std, double Min, double Max, int Count)
    {
        public static Summary Of(IEnumerable<double> values)
        {
            var list = values.Where(v => !double.IsNaN(v)).ToList();
            if (list.Count == 0) return new Summary(double.NaN, double.NaN, double.NaN, double.NaN, 0);
            var mean = list.Average();
            return new Summary(mean, Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / list.Count), list.Min(), list.Max(), list.Count);
        }
    }

    /// <summary>Lower-left triangle vs upper-right: mean over cells with sender depth above, equal to, and below receiver depth.</summary>
    public sealed record Triangle(Summary Below, Summary Diagonal, Summary Above)
    {
        /// <summary>Mean below minus mean above: positive when the lower-left triangle is better.</summary>
        public double Difference => Below.Mean - Above.Mean;
    }

    public static Triangle TriangleOf(SimilarityMatrix m, double tolerance = 1e-9)
    {
        var cells = Cells(m).ToList();
        return new Triangle(
            Summary.Of(cells.Where(c => c.SenderDepth > c.ReceiverDepth + tolerance).Select(c => c.Value)),
            Summary.Of(cells.Where(c => Math.Abs(c.SenderDepth - c.ReceiverDepth) <= tolerance).Select(c => c.Value)),
            Summary.Of(cells.Where(c => c.SenderDepth < c.ReceiverDepth - tolerance).Select(c => c.Value)));
    }

    /// <summary>Mean over cells whose depths satisfy <paramref name="where"/>.</summary>
    public static Summary Region(SimilarityMatrix m, Func<double, double, bool> where) =>
        Summary.Of(Cells(m).Where(c => where(c.SenderDepth, c.ReceiverDepth)).Select(c => c.Value));

    /// <summary>Pearson correlation of paired values (NaN pairs skipped; NaN when fewer than 3 pairs or no spread).</summary>
    public static double Correlation(IEnumerable<(double X, double Y)> pairs)
    {
        var list = pairs.Where(p => !double.IsNaN(p.X) && !double.IsNaN(p.Y) && !double.IsInfinity(p.X) && !double.IsInfinity(p.Y)).ToList();
        if (list.Count < 3) return double.NaN;
        double mx = list.Average(p => p.X), my = list.Average(p => p.Y);
        double sxy = list.Sum(p => (p.X - mx) * (p.Y - my)), sxx = list.Sum(p => (p.X - mx) * (p.X - mx)), syy = list.Sum(p => (p.Y - my) * (p.Y - my));
        return sxx <= 0 || syy <= 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    /// <summary>Median of the values, NaN when empty (normalized MSEs of bad stitches can be huge; the median is robust to them).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var list = values.Where(v => !double.IsNaN(v)).OrderBy(v => v).ToList();
        if (list.Count == 0) return double.NaN;
        return list.Count % 2 == 1 ? list[list.Count / 2] : (list[list.Count / 2 - 1] + list[list.Count / 2]) / 2;
    }
}
