using Stitching.Domain.Architectures;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Analysis;

/// <summary>
/// Everything a sweep's results say for one (sender, receiver) pair, built once from its rows: the accuracy matrix of
/// each variant, the control-subtracted matrices with their pair-level intervals, the interaction contrast, and the
/// paper's patterns. The one report builder: the local sweep writes these as files (Engine's SweepOutputs), the API
/// serves the same objects (ResultsQuery, GET /api/sweeps/{id}/matrix and /patterns), so a local run and a platform
/// sweep of the same rows give the same numbers. Each output has a slug, the name of its file (<c>matrix-{slug}</c>) and
/// of its API variant.
/// </summary>
public sealed record PairReport(
    PairPlan Pair,
    IReadOnlyList<(Variant Variant, SimilarityMatrix Matrix)> Matrices,
    IReadOnlyList<(string Slug, SimilarityMatrix Matrix)> Controls,
    SimilarityMatrix? Interaction,
    IReadOnlyList<PatternVerdict> Patterns)
{
    /// <summary>Every matrix of the pair by its slug: variants, control-subtracted, interaction.</summary>
    public IEnumerable<(string Slug, SimilarityMatrix Matrix)> AllMatrices() =>
        Matrices.Select(m => (m.Variant.Slug(), m.Matrix)).Concat(Controls)
            .Concat(Interaction is null ? [] : [(PairContrastMatrix.InteractionSlug, Interaction)]);

    /// <summary>The matrix named <paramref name="slug"/> (a variant's name or slug, <c>{variant}-minus-random-random</c>, <c>interaction</c>); null when this sweep has none by that name.</summary>
    public SimilarityMatrix? Find(string slug)
    {
        if (Variants.TryParse(slug, out var variant)) return Matrices.FirstOrDefault(m => m.Variant == variant).Matrix;
        return AllMatrices().FirstOrDefault(m => m.Slug == slug).Matrix;
    }
}

public static class SweepReport
{
    /// <summary>
    /// Each variant whose matrix is read against random->random: what survives of trained->trained, trained->random and
    /// random->trained once the same stitch into a random receiver from a random sender (a linear readout of random
    /// features where the suffix is only the head) is taken off.
    /// </summary>
    public static IReadOnlyList<Variant> Controlled { get; } = [Variant.TrainedToTrained, Variant.TrainedToRandom, Variant.RandomToTrained];

    /// <summary>The names of every matrix a sweep of all four variants has, as <see cref="PairReport.Find"/> takes them.</summary>
    public static IReadOnlyList<string> Slugs { get; } =
        [.. Variants.All.Select(v => v.Slug()), .. Controlled.Select(ControlSlug), PairContrastMatrix.InteractionSlug];

    public static string ControlSlug(Variant v) => $"{v.Slug()}-minus-{Variant.RandomToRandom.Slug()}";

    /// <summary>The report of <paramref name="pair"/> from the sweep's rows (rows of other pairs are ignored; architectures match by their blocks).</summary>
    public static PairReport Build(SweepPlan plan, PairPlan pair, IReadOnlyList<StitchResult> rows) =>
        Build(plan, pair, rows.Select(r => ((string?)null, r)).ToList());

    /// <summary>
    /// As above, with each row's stored id (the platform's stitch id), which a matrix cell links to. A matrix is titled by
    /// its variant, and by its pair too when the sweep has several.
    /// </summary>
    public static PairReport Build(SweepPlan plan, PairPlan pair, IReadOnlyList<(string? Id, StitchResult Row)> stored)
    {
        var own = Own(pair, stored).Select(s => s.Row).ToList();
        var matrices = Matrices(plan, pair, stored);
        return new PairReport(pair, matrices, Controls(matrices, pair, own),
            PairContrastMatrix.Create(PairContrastMatrix.InteractionTitle, pair, own, PairContrastMatrix.Interaction),
            PaperPatterns.Evaluate(pair.SenderArch.Name, pair.ReceiverArch.Name, own, CellMatrix.HeadOnlyColumns(pair).ToHashSet()));
    }

    /// <summary>
    /// Only the accuracy matrix of each variant (what a caller that shows matrices needs, without the controls, the
    /// interaction and the patterns' tests): rows of other pairs ignored, architectures matched by their blocks.
    /// </summary>
    public static IReadOnlyList<(Variant Variant, SimilarityMatrix Matrix)> Matrices(SweepPlan plan, PairPlan pair, IReadOnlyList<(string? Id, StitchResult Row)> stored)
    {
        var own = Own(pair, stored);
        string Title(Variant v) => plan.Pairs.Count == 1 ? v.Name() : $"{v.Name()}: {pair.SenderArch.Name} -> {pair.ReceiverArch.Name}";
        return plan.Variants.Select(variant => (variant, CellMatrix.Create(Title(variant), pair,
            own.Where(s => Variants.TryParse(s.Row.Variant, out var v) && v == variant)))).ToList();
    }

    private static List<(string? Id, StitchResult Row)> Own(PairPlan pair, IReadOnlyList<(string? Id, StitchResult Row)> stored) =>
        stored.Where(s => ResNetSpec.SameArch(s.Row.SenderArch, pair.SenderArch.Name) && ResNetSpec.SameArch(s.Row.ReceiverArch, pair.ReceiverArch.Name)).ToList();

    /// <summary>
    /// The control-subtracted matrices of a pair: each of <see cref="Controlled"/> present in the sweep minus random->random.
    /// Each cell also gets the 95% t interval of the difference over network pairs (each pair's variant minus its own
    /// random->random: the pair is the unit), its spread and number of pairs (<see cref="PairContrastMatrix"/>); the values
    /// stay the difference of the cell means.
    /// </summary>
    private static IReadOnlyList<(string Slug, SimilarityMatrix Matrix)> Controls(IReadOnlyList<(Variant Variant, SimilarityMatrix Matrix)> matrices,
        PairPlan pair, IReadOnlyList<StitchResult> rows)
    {
        var control = matrices.FirstOrDefault(m => m.Variant == Variant.RandomToRandom).Matrix;
        if (control is null) return [];
        return matrices.Where(m => Controlled.Contains(m.Variant))
            .Select(m =>
            {
                var difference = m.Matrix.Minus(control, $"{m.Variant.Name()} minus {Variant.RandomToRandom.Name()}");
                var paired = PairContrastMatrix.Create(difference.Title, pair, rows, [(m.Variant, +1), (Variant.RandomToRandom, -1)]);
                return (ControlSlug(m.Variant),
                    paired is null ? difference : difference with { Low = paired.Low, High = paired.High, Spread = paired.Spread, Replicates = paired.Replicates });
            })
            .ToList();
    }
}
