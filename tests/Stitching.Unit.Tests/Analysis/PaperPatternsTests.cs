using Stitching.Domain.Analysis;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Analysis;

/// <summary>
/// The pattern design on matrices whose answer is known: a planted interaction is found; an exact null reads "does not
/// hold" when the pairs measure it tightly and "cannot tell" when they do not; additive layer effects alone make no
/// pattern; "uniformly low" needs flatness; one network pair or a partial matrix is refused with a reason.
/// </summary>
public sealed class PaperPatternsTests
{
    private const string Small = "resnet(1,1,1,1)", R18 = "resnet(2,2,2,2)";
    private static readonly string[] SenderLayers = ["stem", "1.0", "2.0", "3.0", "4.0"];
    private static readonly string[] ReceiverLayers = ["stem", "1.0", "1.1", "2.0", "2.1", "3.0", "3.1", "4.0", "4.1"];
    private const string TT = "trained->trained", RT = "random->trained", TR = "trained->random", RR = "random->random";

    /// <summary>
    /// One variant's rows for <paramref name="pairs"/> network pairs: accuracy(pair's effect size, sender depth, receiver
    /// depth) plus uniform cell noise of half-width <paramref name="cellNoise"/>; each pair's effect size is
    /// <paramref name="effect"/> plus a Gaussian between-pair deviation of <paramref name="pairSd"/>.
    /// </summary>
    private static IEnumerable<StitchResult> Pairs(string variant, int pairs, Func<double, double, double, double> accuracy, double effect = 0,
        double pairSd = 0.005, double cellNoise = 0.002, int seed = 0)
    {
        var random = new Random(seed);
        for (var p = 0; p < pairs; p++)
        {
            var size = effect + pairSd * Gaussian(random);
            for (var i = 0; i < SenderLayers.Length; i++)
            for (var j = 0; j < ReceiverLayers.Length; j++)
            {
                var value = accuracy(size, i / 4.0, j / 8.0) + cellNoise * (random.NextDouble() * 2 - 1);
                yield return new StitchResult(variant, Small, SenderLayers[i], R18, ReceiverLayers[j], "conv1x1", 100, 5, 2700,
                    Math.Clamp(value, 0, 1), 0.5, 1, 2 * p, 2 * p + 1, TestImages: 1000, Converged: true);
            }
        }
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static IReadOnlyList<PatternVerdict> Evaluate(IEnumerable<StitchResult> rows) => PaperPatterns.Evaluate(Small, R18, rows.ToList(), ["4.1"]);

    private static PatternVerdict Read(IEnumerable<StitchResult> rows, string pattern) => Evaluate(rows).Single(v => v.Pattern == pattern);

    /// <summary>Below the diagonal (sender relatively deeper) higher by the effect, above lower: an interaction, not an additive effect.</summary>
    private static double Triangle(double effect, double s, double r) => 0.7 + (s > r ? effect / 2 : s < r ? -effect / 2 : 0);

    [Fact]
    public void A_planted_triangle_holds_across_five_pairs_and_its_reverse_does_not()
    {
        var planted = Read(Pairs(TT, 5, Triangle, effect: 0.15, pairSd: 0.02), PaperPatterns.Triangle);
        Assert.Equal(PatternVerdict.Holds, planted.Verdict);
        Assert.Equal(5, planted.ModelSeedPairs);
        var c = Assert.Single(planted.Components);
        Assert.Equal(5, c.PerPair.Count);
        Assert.True(c.Low > 0 && c.PHolds < 0.001, $"{c}");
        // Residuals of a triangle are smaller than the raw gap (the additive fit absorbs part of it), and both are positive.
        Assert.InRange(c.Value, 0.03, c.Raw);
        Assert.InRange(c.Raw, 0.12, 0.18);

        var reversed = Read(Pairs(TT, 5, (e, s, r) => Triangle(e, r, s), effect: 0.15, pairSd: 0.02), PaperPatterns.Triangle);
        Assert.Equal(PatternVerdict.DoesNotHold, reversed.Verdict);
        Assert.True(reversed.Components[0].High < 0, $"{reversed.Components[0]}");
    }

    [Fact]
    public void An_exact_null_does_not_hold_when_measured_tightly_and_cannot_be_told_when_noisy()
    {
        // No triangle at all; the pairs agree to a fraction of a point.
        var tight = Read(Pairs(TT, 5, Triangle, effect: 0, pairSd: 0.002), PaperPatterns.Triangle);
        Assert.Equal(PatternVerdict.DoesNotHold, tight.Verdict);
        Assert.True(tight.Components[0].EquivalenceP < 0.05, $"{tight.Components[0]}");
        Assert.Contains("equivalent", tight.Note);
        Assert.InRange(tight.Components[0].Low, -PatternDesign.Default.Margin, PatternDesign.Default.Margin);
        Assert.InRange(tight.Components[0].High, -PatternDesign.Default.Margin, PatternDesign.Default.Margin);

        // The same null, but networks differ by five points of triangle from pair to pair: nothing can be said.
        var noisy = Read(Pairs(TT, 5, Triangle, effect: 0, pairSd: 0.05, seed: 3), PaperPatterns.Triangle);
        Assert.Equal(PatternVerdict.CannotTell, noisy.Verdict);
        Assert.True(noisy.Components[0].Low < 0 && noisy.Components[0].High > PatternDesign.Default.Margin, $"{noisy.Components[0]}");
    }

    [Fact]
    public void A_significant_effect_smaller_than_the_margin_does_not_hold()
    {
        // A 0.8-point triangle measured almost without noise: credibly above zero, and credibly below two points.
        var tiny = Read(Pairs(TT, 5, Triangle, effect: 0.008, pairSd: 0.0005, cellNoise: 0.0002), PaperPatterns.Triangle).Components[0];
        Assert.True(tiny.PHolds < 0.05 && tiny.PDoesNotHold < 0.05, $"{tiny}");
        Assert.Equal(PatternVerdict.DoesNotHold, Read(Pairs(TT, 5, Triangle, effect: 0.008, pairSd: 0.0005, cellNoise: 0.0002), PaperPatterns.Triangle).Verdict);
    }

    [Fact]
    public void The_margin_is_what_the_adjustment_leaves_of_an_ideal_pattern_so_a_clear_raw_triangle_is_not_read_as_none()
    {
        // Only the lower-left triangle high, by 5 raw points (over twice the margin), measured tightly. The row and column
        // adjustment keeps only a fraction of an ideal triangle on this grid, so against the unscaled 2-point margin its
        // adjusted statistic would read "does not hold"; against the scaled margin it holds.
        var triangle = Read(Pairs(TT, 5, (e, s, r) => s > r ? 0.7 + e : 0.7, effect: 0.05, pairSd: 0.002, cellNoise: 0.0005), PaperPatterns.Triangle);
        var c = triangle.Components[0];
        Assert.True(c.Value < PatternDesign.Default.Margin, $"the adjusted statistic is under the raw margin: {c}");
        Assert.Equal(PatternVerdict.Holds, triangle.Verdict);
        Assert.Contains("margin 0.0", c.Predicted);  // the scaled bound, under 0.02, is shown with the prediction
    }

    [Fact]
    public void Additive_layer_effects_make_neither_a_triangle_nor_a_late_late_pattern()
    {
        // Deeper senders and earlier receivers better everywhere: a raw lower-left gap with no layer matching at all.
        var triangle = Read(Pairs(TT, 5, (e, s, r) => 0.6 + (0.2 + e) * s - 0.1 * r), PaperPatterns.Triangle).Components[0];
        Assert.True(triangle.Raw > 0.1, $"{triangle}");
        Assert.Equal(PatternVerdict.DoesNotHold, Read(Pairs(TT, 5, (e, s, r) => 0.6 + (0.2 + e) * s - 0.1 * r), PaperPatterns.Triangle).Verdict);

        // Late senders and late receivers each better: late->late is highest, but only additively.
        var additive = Read(Pairs(TR, 5, (e, s, r) => 0.2 + (0.2 + e) * s + 0.2 * r), PaperPatterns.LateLate);
        Assert.True(additive.Components[0].Raw > 0.1, $"{additive.Components[0]}");
        Assert.Equal(PatternVerdict.DoesNotHold, additive.Verdict);

        // Only the late->late block high: an interaction that survives the adjustment.
        var block = Read(Pairs(TR, 5, (e, s, r) => s > 0.5 && r > 0.5 ? 0.6 + e : 0.2, effect: 0, pairSd: 0.02), PaperPatterns.LateLate);
        Assert.Equal(PatternVerdict.Holds, block.Verdict);
    }

    [Fact]
    public void Uniformly_low_needs_a_flat_random_random_matrix_below_trained_trained()
    {
        var tt = Pairs(TT, 5, (_, _, _) => 0.8, seed: 1).ToList();
        var flat = Read([.. tt, .. Pairs(RR, 5, (e, _, _) => 0.2 + e, pairSd: 0.01, seed: 2)], PaperPatterns.UniformlyLow);
        Assert.Equal(PatternVerdict.Holds, flat.Verdict);
        Assert.Equal(2, flat.Components.Count);
        Assert.True(flat.Components[0].High < -0.5, $"{flat.Components[0]}");
        Assert.True(flat.Components[1].High < PatternDesign.Default.FlatMargin, $"{flat.Components[1]}");

        // As low on average, but rising from 10% to 50% with the sender's depth (the committed report's spread): not uniform.
        var sloped = Read([.. tt, .. Pairs(RR, 5, (e, s, _) => 0.1 + e + 0.4 * s, pairSd: 0.01, seed: 2)], PaperPatterns.UniformlyLow);
        Assert.Equal(PatternVerdict.DoesNotHold, sloped.Verdict);
        Assert.True(sloped.Components[0].High < 0, "still below trained->trained everywhere");
        Assert.True(sloped.Components[1].Low > PatternDesign.Default.FlatMargin, $"{sloped.Components[1]}");
    }

    [Fact]
    public void One_network_pair_is_refused_with_the_reason_and_shows_its_values_untested()
    {
        var rows = Pairs(TT, 1, Triangle, effect: 0.2).Concat(Pairs(RR, 1, (_, _, _) => 0.2)).ToList();
        var verdicts = Evaluate(rows);
        Assert.Equal([PaperPatterns.Triangle, PaperPatterns.UniformlyLow], verdicts.Select(v => v.Pattern));
        Assert.All(verdicts, v =>
        {
            Assert.Equal(PatternVerdict.CannotTell, v.Verdict);
            Assert.Contains("1 network pair", v.Note);
            Assert.Contains($"{Small} -> {R18}", v.Note);
            Assert.True(double.IsNaN(v.PHoldsAdjusted) && double.IsNaN(v.PDoesNotHoldAdjusted));
            // The statistic is still shown, untested: a value without an interval.
            Assert.All(v.Components, c => Assert.True(double.IsFinite(c.Value) && double.IsNaN(c.Low) && double.IsNaN(c.PHolds), $"{c}"));
        });
        Assert.InRange(verdicts[0].Components[0].Value, 0.03, 0.2);
    }

    [Fact]
    public void Head_only_columns_are_left_out_and_partial_matrices_are_refused()
    {
        var rows = Pairs(RT, 5, (e, _, r) => r <= 0.5 ? 0.8 + e : 0.2, pairSd: 0.02).ToList();
        var early = Read(rows, PaperPatterns.Early);
        Assert.Equal(PatternVerdict.Holds, early.Verdict);
        Assert.Equal(SenderLayers.Length * (ReceiverLayers.Length - 1), early.Cells);
        Assert.DoesNotContain("4.1", early.Cut);

        var partial = rows.Where(r => !(r.SenderLayer == "stem" && r.ReceiverLayer == "stem" && r.SenderSeed == 4)).ToList();
        var unread = Read(partial, PaperPatterns.Early);
        Assert.Equal(PatternVerdict.CannotTell, unread.Verdict);
        Assert.Contains("partial", unread.Note);
        Assert.Equal(0, unread.Cells);
    }

    [Fact]
    public void The_sensitivity_table_reads_each_cut_and_agrees_with_the_primary_reading_at_the_registered_cut()
    {
        // Only the receiver's stem and first stage (depth <= 1/4) are high: the pre-registered cut 1/2 also counts 2.0 and 2.1 as early.
        var rows = Pairs(RT, 5, (e, _, r) => r <= 0.25 ? 0.8 + e : 0.3, pairSd: 0.02).ToList();
        var early = Read(rows, PaperPatterns.Early);
        Assert.Equal(PatternDesign.Default.DepthCuts.Count, early.Sensitivity.Count);
        var registered = early.Sensitivity.Single(s => s.Cut == "early = receiver depth <= 0.5");
        Assert.Equal(early.Verdict, registered.Verdict);
        Assert.Equal(early.PHoldsAdjusted, registered.PHoldsAdjusted, 12);
        Assert.Equal(early.Components[0].Value, registered.Value, 12);
        var quarter = early.Sensitivity.Single(s => s.Cut == "early = receiver depth <= 0.25");
        Assert.Equal(PatternVerdict.Holds, quarter.Verdict);
        Assert.Equal("early stem, 1.0, 1.1, later 2.0, 2.1, 3.0, 3.1, 4.0", quarter.Cells);
        // The sharpest contrast is at the true step (1/3 puts the same cells early: no receiver layer lies between).
        Assert.True(quarter.Value > early.Sensitivity.Where(s => s.Cells != quarter.Cells).Max(s => s.Value), string.Join("; ", early.Sensitivity));
    }

    [Fact]
    public void Holm_across_the_family_raises_each_p_and_a_cut_that_empties_a_region_is_refused_there()
    {
        var rows = Pairs(TT, 5, Triangle, effect: 0.03, pairSd: 0.02, seed: 5)
            .Concat(Pairs(TR, 5, (e, s, r) => s > 0.5 && r > 0.5 ? 0.3 + e : 0.2, effect: 0.02, pairSd: 0.03, seed: 6)).ToList();
        var verdicts = Evaluate(rows);
        Assert.Equal(2, verdicts.Count);
        var raw = verdicts.Select(v => v.PHolds).ToList();
        var expected = Holm.Adjust(raw);
        Assert.Equal(expected, verdicts.Select(v => v.PHoldsAdjusted));
        Assert.All(verdicts, v => Assert.True(v.PHoldsAdjusted >= v.PHolds && v.PDoesNotHoldAdjusted >= v.PDoesNotHold, $"{v}"));

        // Late = depth > 1 leaves no late cells: that row of the table says so instead of a number.
        var late = verdicts.Single(v => v.Pattern == PaperPatterns.LateLate);
        var design = PatternDesign.Default with { DepthCuts = [0.5, 1.0] };
        var strict = PaperPatterns.Evaluate(Small, R18, rows, ["4.1"], design).Single(v => v.Pattern == PaperPatterns.LateLate).Sensitivity[1];
        Assert.Equal(PatternVerdict.CannotTell, strict.Verdict);
        Assert.Contains("no cells", strict.Note);
        Assert.Equal(late.Verdict, PaperPatterns.Evaluate(Small, R18, rows, ["4.1"], design).Single(v => v.Pattern == PaperPatterns.LateLate).Sensitivity[0].Verdict);
    }
}
