using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Results;

/// <summary>
/// The one way rows become a matrix, for the local sweep's files and the API alike: per cell the mean accuracy over
/// its rows (model-seed pairs x stitch seeds), the 95% Wilson interval of that mean on the test set, the sample
/// standard deviation over the rows and their number, the row id the cell links to (its first, in id order), and
/// the pair's head-only columns.
/// </summary>
public static class CellMatrix
{
    /// <param name="rows">The pair's rows of one variant, each with its stored id (null for local rows without one).</param>
    public static SimilarityMatrix Create(string title, PairPlan pair, IEnumerable<(string? Id, StitchResult Row)> rows)
    {
        var senderLayers = pair.SenderLayers.Select(l => l.Name).ToList();
        var receiverLayers = pair.ReceiverLayers.Select(l => l.Name).ToList();
        double?[][] Grid() => senderLayers.Select(_ => new double?[receiverLayers.Count]).ToArray();
        var values = Grid();
        var low = Grid();
        var high = Grid();
        var spread = Grid();
        var replicates = senderLayers.Select(_ => new int?[receiverLayers.Count]).ToArray();
        var ids = senderLayers.Select(_ => new string?[receiverLayers.Count]).ToArray();

        foreach (var cell in rows.GroupBy(r => (r.Row.SenderLayer, r.Row.ReceiverLayer)))
        {
            int i = senderLayers.IndexOf(cell.Key.SenderLayer), j = receiverLayers.IndexOf(cell.Key.ReceiverLayer);
            if (i < 0 || j < 0) continue;
            var accuracies = cell.Select(r => r.Row.Accuracy).ToList();
            var mean = accuracies.Average();
            values[i][j] = mean;
            // The interval of the mean on the one test set (every row of a cell is scored on the same images).
            var (lo, hi) = WilsonInterval.Of(mean, cell.First().Row.TestImages);
            (low[i][j], high[i][j]) = (double.IsNaN(lo) ? null : lo, double.IsNaN(hi) ? null : hi);
            replicates[i][j] = accuracies.Count;
            spread[i][j] = accuracies.Count < 2 ? null : Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / (accuracies.Count - 1));
            ids[i][j] = cell.Select(r => r.Id).Where(id => id is not null).Order(StringComparer.Ordinal).FirstOrDefault();
        }
        return new SimilarityMatrix(title, pair.SenderArch.Name, pair.ReceiverArch.Name, senderLayers, receiverLayers, values)
        {
            HeadOnlyColumns = HeadOnlyColumns(pair),
            Low = low,
            High = high,
            Spread = spread.Any(row => row.Any(v => v is not null)) ? spread : null,
            Replicates = replicates,
            StitchIds = ids.Any(row => row.Any(v => v is not null)) ? ids : null,
        };
    }

    /// <summary>Receiver layers after which only pooling and the classifier remain (the architecture's last layer).</summary>
    public static IReadOnlyList<string> HeadOnlyColumns(PairPlan pair)
    {
        var last = pair.ReceiverArch.Blocks.Sum(); // layer 0 is the stem, layer k the k-th block
        return pair.ReceiverLayers.Where(l => l.Index == last).Select(l => l.Name).ToList();
    }
}
