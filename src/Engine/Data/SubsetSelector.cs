namespace Stitching.Engine.Data;

/// <summary>
/// Seeded, class-balanced choice of images. All indices are shuffled with <see cref="Random"/>(seed) (Fisher–Yates,
/// written out so a runtime change to <c>Random.Shuffle</c> cannot move a subset), then interleaved class by class
/// (one of class 0, one of class 1, …). Any prefix of that order is therefore as balanced as the data allows, and a
/// smaller limit with the same seed picks a subset of a larger one.
/// </summary>
public static class SubsetSelector
{
    /// <summary>Every index of <paramref name="labels"/>, shuffled by <paramref name="seed"/> and interleaved by class.</summary>
    public static int[] BalancedOrder(IReadOnlyList<long> labels, int seed)
    {
        var shuffled = Enumerable.Range(0, labels.Count).ToArray();
        var random = new Random(seed);
        for (var i = shuffled.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (shuffled[i], shuffled[j]) = (shuffled[j], shuffled[i]);
        }

        var byClass = shuffled.GroupBy(i => labels[i]).OrderBy(g => g.Key).Select(g => g.ToArray()).ToArray();
        var order = new int[labels.Count];
        var n = 0;
        for (var round = 0; n < order.Length; round++)
        foreach (var members in byClass)
        {
            if (round < members.Length) order[n++] = members[round];
        }
        return order;
    }

    /// <summary>Up to <paramref name="limit"/> indices (null = all), class-balanced, in ascending order.</summary>
    public static int[] Select(IReadOnlyList<long> labels, int? limit, int seed) =>
        Sorted(BalancedOrder(labels, seed).Take(limit ?? labels.Count));

    /// <summary>
    /// Draws up to <paramref name="limit"/> indices as <see cref="Select"/> does, then holds out
    /// round(<paramref name="holdoutFraction"/> × drawn) of them, class-balanced too. Both parts ascending and disjoint.
    /// </summary>
    public static (int[] Train, int[] Holdout) SplitHoldout(IReadOnlyList<long> labels, int? limit, double holdoutFraction, int seed)
    {
        if (holdoutFraction is < 0 or >= 1 || double.IsNaN(holdoutFraction))
            throw new ArgumentOutOfRangeException(nameof(holdoutFraction), holdoutFraction, "must be in [0, 1)");
        var drawn = BalancedOrder(labels, seed).Take(limit ?? labels.Count).ToArray();
        var holdout = (int)Math.Round(drawn.Length * holdoutFraction, MidpointRounding.AwayFromZero);
        // The drawn prefix is itself interleaved by class, so its first part is a balanced holdout.
        return (Sorted(drawn.Skip(holdout)), Sorted(drawn.Take(holdout)));
    }

    private static int[] Sorted(IEnumerable<int> indices)
    {
        var array = indices.ToArray();
        Array.Sort(array); // ascending: memory order, and a stable identity for provenance
        return array;
    }
}
