using Stitching.Domain.Analysis;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Coordination;

/// <summary>
/// Reads a sweep's results back: filtered rows, and the similarity matrix of one variant. Shared by the API
/// and the runner's <c>results</c> command, so both answer the same question the same way.
/// </summary>
public sealed class ResultsQuery(StitchingStorage storage)
{
    public async Task<IReadOnlyList<StoredResult>> ListAsync(string sweepId, ResultsFilter filter, CancellationToken cancellationToken = default)
    {
        Variant? variant = filter.Variant is { Length: > 0 } v ? ParseVariant(v) : null;
        var rows = new List<StoredResult>();
        await foreach (var row in storage.ListResultsAsync(sweepId, cancellationToken))
        {
            var r = row.Result;
            if (Matches(filter, variant, r.Variant, r.SenderLayer, r.ReceiverLayer, r.SenderArch, r.ReceiverArch)) rows.Add(row);
        }
        return rows.OrderBy(r => r.StitchId, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The sweep's analysis rows (<see cref="AnalysisResult"/>), filtered like <see cref="ListAsync"/>, in the order of the
    /// plan's stitches (<see cref="SweepPlan.Stitches"/>: pair, seeds, variant, sender layer, receiver layer). Empty when the sweep does not exist.
    /// </summary>
    public async Task<IReadOnlyList<AnalysisResult>> AnalysesAsync(string sweepId, ResultsFilter filter, CancellationToken cancellationToken = default)
    {
        Variant? variant = filter.Variant is { Length: > 0 } v ? ParseVariant(v) : null;
        if (await storage.GetSweepAsync(sweepId, cancellationToken) is not { } sweep) return [];
        var order = SweepPlan.Create(sweep.Spec).Stitches.Select((t, k) => (Key: CellKey.Of(t), k)).DistinctBy(p => p.Key).ToDictionary(p => p.Key, p => p.k);
        var rows = new List<AnalysisResult>();
        await foreach (var r in storage.ListAnalysesAsync(sweepId, cancellationToken))
            if (Matches(filter, variant, r.Variant, r.SenderLayer, r.ReceiverLayer, r.SenderArch, r.ReceiverArch)) rows.Add(r);
        return rows.OrderBy(r => order.GetValueOrDefault(CellKey.Of(r), int.MaxValue)).ToList();
    }

    private static bool Matches(ResultsFilter filter, Variant? variant, string rowVariant, string senderLayer, string receiverLayer, string senderArch, string receiverArch) =>
        (variant is not { } want || (Variants.TryParse(rowVariant, out var got) && got == want))
        && (filter.SenderLayer is not { Length: > 0 } sl || senderLayer == sl)
        && (filter.ReceiverLayer is not { Length: > 0 } rl || receiverLayer == rl)
        && (filter.SenderArch is not { Length: > 0 } sa || ResNetSpec.SameArch(senderArch, sa))
        && (filter.ReceiverArch is not { Length: > 0 } ra || ResNetSpec.SameArch(receiverArch, ra));

    /// <summary>
    /// What the sweep's rows say for one (sender, receiver) pair (the first pair when not given), built by the report
    /// builder a local sweep writes its files with (<see cref="SweepReport"/>): matrices of every variant (cells average
    /// over model-seed pairs and stitch seeds; cells not trained yet are null), control-subtracted, interaction, patterns.
    /// Null when the sweep does not exist.
    /// </summary>
    /// <exception cref="ArgumentException">The sweep has no such pair.</exception>
    public async Task<PairReport?> ReportAsync(string sweepId, string? senderArch = null, string? receiverArch = null, CancellationToken cancellationToken = default) =>
        await PairRowsAsync(sweepId, senderArch, receiverArch, cancellationToken) is { } p ? SweepReport.Build(p.Plan, p.Pair, p.Rows) : null;

    /// <summary>The matrix of one variant for one pair, without the rest of the report; null when the sweep does not exist.</summary>
    public async Task<SimilarityMatrix?> MatrixAsync(string sweepId, Variant variant, string? senderArch = null, string? receiverArch = null, CancellationToken cancellationToken = default) =>
        await PairRowsAsync(sweepId, senderArch, receiverArch, cancellationToken) is { } p
            ? SweepReport.Matrices(p.Plan, p.Pair, p.Rows).FirstOrDefault(m => m.Variant == variant).Matrix
            : null;

    /// <summary>The sweep's plan, the pair asked for (the first when not given) and that pair's stored rows with their ids.</summary>
    /// <exception cref="ArgumentException">The sweep has no such pair.</exception>
    private async Task<(SweepPlan Plan, PairPlan Pair, IReadOnlyList<(string? Id, StitchResult Row)> Rows)?> PairRowsAsync(string sweepId, string? senderArch,
        string? receiverArch, CancellationToken cancellationToken)
    {
        var sweep = await storage.GetSweepAsync(sweepId, cancellationToken);
        if (sweep is null) return null;
        var plan = SweepPlan.Create(sweep.Spec);
        var pair = plan.Pairs.FirstOrDefault(p => (senderArch is null || ResNetSpec.SameArch(p.SenderArch.Name, senderArch)) && (receiverArch is null || ResNetSpec.SameArch(p.ReceiverArch.Name, receiverArch)))
            ?? throw new ArgumentException($"The sweep has no pair {senderArch} -> {receiverArch}.");
        var rows = await ListAsync(sweepId, new ResultsFilter(SenderArch: pair.SenderArch.Name, ReceiverArch: pair.ReceiverArch.Name), cancellationToken);
        return (plan, pair, rows.Select(r => ((string?)r.StitchId, r.Result)).ToList());
    }

    /// <summary>Every (variant, pair) matrix of a sweep, in plan order: what a report shows side by side.</summary>
    public async Task<IReadOnlyList<SimilarityMatrix>> MatricesAsync(SweepRecord sweep, CancellationToken cancellationToken = default)
    {
        var plan = SweepPlan.Create(sweep.Spec);
        var all = (await ListAsync(sweep.Id, new ResultsFilter(), cancellationToken)).Select(r => ((string?)r.StitchId, r.Result)).ToList();
        return plan.Pairs.SelectMany(pair => SweepReport.Matrices(plan, pair, all).Select(m => m.Matrix)).ToList();
    }

    /// <summary>
    /// Each sweep's spec with its (filtered) rows, in the order given: what the long table and the comparison read.
    /// A list of ids, so an export by tag is a lookup of ids and then this. A missing sweep is a
    /// <see cref="KeyNotFoundException"/> naming it.
    /// </summary>
    public async Task<IReadOnlyList<SweepResults>> SweepResultsAsync(IReadOnlyList<string> sweepIds, ResultsFilter filter, CancellationToken cancellationToken = default)
    {
        var sweeps = new List<SweepResults>();
        foreach (var id in sweepIds)
        {
            var sweep = await storage.GetSweepAsync(id, cancellationToken) ?? throw new KeyNotFoundException($"No sweep '{id}'.");
            var rows = await ListAsync(id, filter, cancellationToken);
            sweeps.Add(new SweepResults(id, sweep.Spec, rows.Select(r => r.Result).ToList()));
        }
        return sweeps;
    }

    /// <summary>Sweep <paramref name="b"/> against sweep <paramref name="a"/> (<see cref="SweepComparison.Compare"/>), read from the tables.</summary>
    public async Task<SweepComparison> CompareAsync(string a, string b, Variant variant, string? senderArch = null, string? receiverArch = null, CancellationToken cancellationToken = default)
    {
        var sweeps = await SweepResultsAsync([a, b], new ResultsFilter(variant.Slug()), cancellationToken);
        return SweepComparison.Compare(sweeps[0], sweeps[1], variant, senderArch, receiverArch);
    }

    public static Variant ParseVariant(string text) =>
        Variants.TryParse(text, out var v) ? v : throw new ArgumentException($"Unknown variant '{text}'. Use one of: {string.Join(", ", Variants.All.Select(x => x.Name()))}.");

}
