using Stitching.Domain.Analysis;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;
using Stitching.Reporting.Tables;

namespace Stitching.Unit.Tests.Analysis;

/// <summary>
/// The pattern verdicts on matrices with a known structure: a planted effect is found, its absence or reversal is not
/// called a pattern, and a triangle gap made only by additive layer effects does not survive their removal.
/// </summary>
public sealed class PaperPatternsTests
{
    private const string Small = "resnet(1,1,1,1)", R18 = "resnet(2,2,2,2)";
    private static readonly string[] SenderLayers = ["stem", "1.0", "2.0", "3.0", "4.0"];
    private static readonly string[] ReceiverLayers = ["stem", "1.0", "1.1", "2.0", "2.1", "3.0", "3.1", "4.0", "4.1"];

    private static IEnumerable<StitchResult> Matrix(string variant, Func<double, double, double> accuracy, int senderSeed, int receiverSeed, Random noise, double sd = 0.01,
        int testImages = 2000)
    {
        for (var i = 0; i < SenderLayers.Length; i++)
        for (var j = 0; j < ReceiverLayers.Length; j++)
        {
            var value = accuracy(i / 4.0, j / 8.0) + sd * (noise.NextDouble() * 2 - 1);
            yield return new StitchResult(variant, Small, SenderLayers[i], R18, ReceiverLayers[j], "conv1x1", 100, 5, 2700,
                Math.Clamp(value, 0, 1), 0.5, 1, senderSeed, receiverSeed, TestImages: testImages, Converged: true);
        }
    }

    private static PatternVerdict Read(IEnumerable<StitchResult> rows, string pattern) =>
        PaperPatterns.Evaluate(Small, R18, rows.ToList(), ["4.1"], resamples: 500).Single(v => v.Pattern == pattern);

    [Fact]
    public void A_planted_lower_left_triangle_holds_and_its_reverse_does_not()
    {
        var noise = new Random(1);
        // Below the diagonal (sender deeper than receiver) 0.85, above 0.70.
        double Planted(double s, double r) => s > r ? 0.85 : s < r ? 0.70 : 0.80;
        var planted = Read(Matrix("trained->trained", Planted, 0, 1, noise), "trained->trained lower-left");
        Assert.Equal(PatternVerdict.Holds, planted.Verdict);
        Assert.InRange(planted.Value, 0.12, 0.18);
        Assert.True(planted.Low > 0 && planted.PValue < 0.05, $"{planted}");

        var reversed = Read(Matrix("trained->trained", (s, r) => Planted(r, s), 0, 1, noise), "trained->trained lower-left");
        Assert.Equal(PatternVerdict.DoesNotHold, reversed.Verdict);
        Assert.True(reversed.High < 0, $"{reversed}");
    }

    [Fact]
    public void A_flat_matrix_shows_no_pattern()
    {
        var noise = new Random(2);
        var rows = Matrix("trained->trained", (_, _) => 0.8, 0, 1, noise).ToList();
        var raw = Read(rows, "trained->trained lower-left");
        Assert.NotEqual(PatternVerdict.Holds, raw.Verdict);
        Assert.True(raw.Low < 0.02 && raw.High > -0.02, $"{raw}");
        Assert.True(raw.PValue > 0.01, $"{raw}");
    }

    [Fact]
    public void A_gap_made_by_additive_layer_effects_does_not_survive_their_removal()
    {
        var noise = new Random(3);
        // Deeper senders and earlier receivers are better everywhere: a raw lower-left gap with no layer matching at all.
        var rows = Matrix("trained->trained", (s, r) => 0.6 + 0.2 * s - 0.1 * r, 0, 1, noise, sd: 0.005).ToList();
        Assert.Equal(PatternVerdict.Holds, Read(rows, "trained->trained lower-left").Verdict);
        var adjusted = Read(rows, "trained->trained lower-left, beyond row and column effects");
        Assert.NotEqual(PatternVerdict.Holds, adjusted.Verdict);
        Assert.InRange(adjusted.Value, -0.02, 0.02);
    }

    [Fact]
    public void Uniformly_low_needs_every_cell_below_the_trained_pair_and_seed_pairs_widen_nothing_when_they_agree()
    {
        var noise = new Random(4);
        var rows = new List<StitchResult>();
        foreach (var (s, r) in new[] { (0, 1), (2, 3), (4, 5) })
        {
            rows.AddRange(Matrix("trained->trained", (_, _) => 0.8, s, r, noise));
            rows.AddRange(Matrix("random->random", (_, _) => 0.3, s, r, noise));
        }
        var low = Read(rows, "random->random uniformly low");
        Assert.Equal(PatternVerdict.Holds, low.Verdict);
        Assert.Equal(3, low.ModelSeedPairs);
        Assert.True(low.High < -0.4, $"{low}");

        // One cell where random->random matches trained->trained: no longer uniformly low.
        var spoiled = rows.Select(x => x.Variant == "random->random" && x.SenderLayer == "4.0" && x.ReceiverLayer == "4.0" ? x with { Accuracy = 0.85 } : x);
        Assert.NotEqual(PatternVerdict.Holds, Read(spoiled, "random->random uniformly low").Verdict);
    }

    [Fact]
    public void Head_only_columns_are_left_out_and_partial_matrices_are_not_read()
    {
        var noise = new Random(5);
        var rows = Matrix("random->trained", (_, r) => r <= 0.5 ? 0.8 : 0.2, 0, 1, noise).ToList();
        var early = Read(rows, "random->trained early receivers");
        Assert.Equal(PatternVerdict.Holds, early.Verdict);
        Assert.Equal(SenderLayers.Length * (ReceiverLayers.Length - 1), early.Cells);

        var partial = rows.Where(r => !(r.SenderLayer == "stem" && r.ReceiverLayer == "stem")).ToList();
        var unread = PaperPatterns.Evaluate(Small, R18, partial, ["4.1"], resamples: 100).Single(v => v.Pattern == "random->trained early receivers");
        Assert.Equal(PatternVerdict.CannotTell, unread.Verdict);
        Assert.Equal(0, unread.Cells);
        Assert.Contains("partial", unread.Note);
        Assert.True(double.IsNaN(unread.Value));
    }

    [Fact]
    public void A_significant_effect_smaller_than_two_points_is_not_a_pattern()
    {
        var noise = new Random(6);
        // A 0.8-point triangle gap measured almost without noise (a million test images): significant, but too small to matter.
        double Tiny(double s, double r) => s > r ? 0.804 : s < r ? 0.796 : 0.8;
        var tiny = Read(Matrix("trained->trained", Tiny, 0, 1, noise, sd: 0.0002, testImages: 1_000_000), "trained->trained lower-left");
        Assert.True(tiny.Low > 0 && tiny.High < PaperPatterns.MinimumEffect && tiny.PValue < 0.05, $"{tiny}");
        Assert.Equal(PatternVerdict.DoesNotHold, tiny.Verdict);
    }
}
