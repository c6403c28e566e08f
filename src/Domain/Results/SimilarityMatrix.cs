namespace Stitching.Domain.Results;

/// <summary>
/// The seed paper's layer-to-layer matrix: row i = sender layer (the prefix ends with it), column j =
/// receiver layer whose output the stitch stands in for. Missing cells (not yet trained) are null.
/// <see cref="HeadOnlyColumns"/> are receiver layers after which only pooling and the classifier remain: a stitch into
/// them plus that head is linear in the sender's features, so its accuracy there is a linear probe's, not similarity
/// (null in files written before it was recorded).
/// </summary>
public sealed record SimilarityMatrix(
    string Title,
    string SenderArch,
    string ReceiverArch,
    IReadOnlyList<string> SenderLayers,
    IReadOnlyList<string> ReceiverLayers,
    double?[][] Values)
{
    public IReadOnlyList<string>? HeadOnlyColumns { get; init; }

    /// <summary>
    /// Per cell the 95% Wilson interval of the accuracy from the test-set size (<see cref="WilsonInterval"/>), for matrices
    /// of accuracies; null for other metrics, control-subtracted matrices and files written before it was recorded.
    /// With several stitch seeds it is the interval of the mean on the one test set, not a spread over seeds.
    /// </summary>
    public double?[][]? Low { get; init; }
    public double?[][]? High { get; init; }

    /// <summary>
    /// Per cell the standard deviation of the accuracy over its rows: model-seed pairs (independently trained base
    /// models) times stitch seeds; <see cref="Replicates"/> says how many rows each cell has. Null where a cell has one row.
    /// </summary>
    public double?[][]? Spread { get; init; }
    public int?[][]? Replicates { get; init; }

    /// <summary>
    /// Per cell the stitch id of its result row (the first stitch seed's, in stitch id order), so a reader can open the row
    /// behind a number (<c>GET /api/sweeps/{id}/results/{stitchId}</c>); null in cells not trained yet, and for matrices
    /// not read from stored rows.
    /// </summary>
    public string?[][]? StitchIds { get; init; }

    /// <summary>
    /// Cells drawn with a mark (an asterisk after the value), e.g. differences of a <see cref="SweepComparison"/> that
    /// lie outside both sweeps' spreads; null when no cell is marked.
    /// </summary>
    public bool[][]? Marks { get; init; }

    /// <summary>
    /// Cell by cell this matrix minus <paramref name="control"/> (e.g. trained->trained minus random->random), null where
    /// either is missing; both must have the same layers.
    /// </summary>
    public SimilarityMatrix Minus(SimilarityMatrix control, string title)
    {
        if (!SenderLayers.SequenceEqual(control.SenderLayers) || !ReceiverLayers.SequenceEqual(control.ReceiverLayers))
            throw new ArgumentException($"'{Title}' and '{control.Title}' have different layers; only matrices of one network pair can be subtracted.");
        var values = Values.Select((row, i) => row.Select((v, j) => v - control.Values[i][j]).ToArray()).ToArray();
        return new SimilarityMatrix(title, SenderArch, ReceiverArch, SenderLayers, ReceiverLayers, values) { HeadOnlyColumns = HeadOnlyColumns };
    }
}
