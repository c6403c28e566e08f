namespace Stitching.Core.Results;

/// <summary>
/// The seed paper's layer-to-layer matrix: row i = sender layer (the prefix ends with it), column j =
/// receiver layer whose output the stitch stands in for. Missing cells (not yet trained) are null.
/// </summary>
public sealed record SimilarityMatrix(
    string Title,
    string SenderArch,
    string ReceiverArch,
    IReadOnlyList<string> SenderLayers,
    IReadOnlyList<string> ReceiverLayers,
    double?[][] Values)
{
    /// <summary>Builds the matrix of one variant from result rows, placing each row by its layer names.</summary>
    public static SimilarityMatrix From(string title, string senderArch, string receiverArch,
        IReadOnlyList<string> senderLayers, IReadOnlyList<string> receiverLayers, IEnumerable<StitchResult> rows, Func<StitchResult, double>? value = null)
    {
        value ??= r => r.Accuracy;
        var values = senderLayers.Select(_ => new double?[receiverLayers.Count]).ToArray();
        foreach (var r in rows)
        {
            var i = IndexOf(senderLayers, r.SenderLayer);
            var j = IndexOf(receiverLayers, r.ReceiverLayer);
            if (i >= 0 && j >= 0) values[i][j] = value(r);
        }
        return new SimilarityMatrix(title, senderArch, receiverArch, senderLayers, receiverLayers, values);
    }

    private static int IndexOf(IReadOnlyList<string> list, string item)
    {
        for (var k = 0; k < list.Count; k++) if (list[k] == item) return k;
        return -1;
    }
}
