namespace Stitching.Domain.Analysis;

/// <summary>
/// One pattern's reading under <see cref="PatternDesign"/>: its component statistics (one per network pair, summarized
/// over pairs), the p-values of its two one-sided tests before and after Holm's adjustment across the family, and the
/// symmetric verdict: "does not hold" when the test against the margin rejects (the effect is credibly smaller than the
/// margin: equivalent to none, or reversed), else "holds" when the test against zero rejects, else "cannot tell".
/// <see cref="Sensitivity"/> repeats the reading under each depth cut of the sensitivity table.
/// </summary>
/// <param name="Adjustment">Which additive main effects were removed from each pair's matrix before the statistic.</param>
/// <param name="PHolds">p of the test whose rejection means "holds" (against zero in the predicted direction), before Holm.</param>
/// <param name="PDoesNotHold">p of the test whose rejection means "does not hold" (against the margin), before Holm.</param>
/// <param name="Cut">The pre-registered depth cut and the cells it puts on each side.</param>
/// <param name="Note">Why a pattern could not be read (a refusal: what failed and where), or how its verdict came about.</param>
public sealed record PatternVerdict(string Pattern, string Claim, string Adjustment, IReadOnlyList<PatternComponent> Components,
    double PHolds, double PDoesNotHold, double PHoldsAdjusted, double PDoesNotHoldAdjusted, string Verdict, int ModelSeedPairs, int Cells,
    string Cut, string Note, IReadOnlyList<CutReading> Sensitivity)
{
    public const string Holds = "holds", DoesNotHold = "does not hold", CannotTell = "cannot tell";

    /// <summary>The three-way rule on Holm-adjusted p-values; NaN (a test that could not run) reads "cannot tell".</summary>
    public static string Decide(double holdsAdjusted, double doesNotHoldAdjusted, double alpha) =>
        doesNotHoldAdjusted < alpha ? DoesNotHold : holdsAdjusted < alpha ? Holds : CannotTell;
}

/// <summary>
/// One statistic of a pattern: computed on each network pair's matrix (<see cref="PerPair"/>), its mean over pairs, the
/// two-sided t interval at <see cref="PatternDesign.IntervalLevel"/> (df = pairs - 1), the same statistic without the
/// additive adjustment (<see cref="Raw"/>, NaN where none is made), the one-sided p-values against the holds and
/// does-not-hold bounds, the TOST equivalence p (both one-sided tests against -margin and +margin; NaN where the
/// statistic has no two-sided margin) and the exact sign-flip p of the holds test with the smallest p it can reach.
/// </summary>
public sealed record PatternComponent(string Statistic, string Predicted, double Value, double Low, double High, double Raw,
    double PHolds, double PDoesNotHold, double EquivalenceP, double SignFlipP, double MinimumSignFlipP, IReadOnlyList<double> PerPair);

/// <summary>A pattern read under one depth cut of the sensitivity table, Holm-adjusted in the family with the other patterns at their pre-registered cuts.</summary>
public sealed record CutReading(string Cut, string Cells, double Value, double Low, double High, double PHoldsAdjusted, double PDoesNotHoldAdjusted,
    string Verdict, string Note);
