using System.Globalization;
using System.Text;
using Stitching.Domain.Analysis;
using Stitching.Domain.Contracts;
using Stitching.Domain.Results;

namespace Stitching.Engine.Research;

/// <summary>
/// Reads the copying experiment's rows (<see cref="CopyingExperiment"/>) with the network pair as the unit: every statistic
/// is first averaged over a pair's cells and stitch seeds, then tested over pairs (<see cref="PairLevelTest"/>, t interval,
/// df = pairs - 1). Distances are scaled by the seed-to-seed distance of the same pair (task stitches from the same start
/// and different stitch seeds), so "near" and "far" are in units of what a stitch seed alone changes.
/// </summary>
public static class CopyingSummary
{
    public const string RowsFile = "copying.csv", DistancesFile = "copying-distances.csv", MarkdownFile = "copying.md";
    private const double Level = 0.95;

    /// <summary>
    /// One statistic: its per-pair values, their 95% t interval (unadjusted, descriptive), and a two-sided t test against the
    /// statistic's <see cref="Null"/> (0 for a log ratio or a difference, 1 for a ratio: "as far as") with its p-value Holm-
    /// adjusted across every statistic of the experiment (<see cref="PHolm"/>). A direction is read only where the adjusted p
    /// is under 0.05, so the nine statistics are one family (not tested with fewer than 2 pairs or no spread).
    /// </summary>
    public sealed record PairStatistic(string Name, IReadOnlyList<double> PerPair, double Mean, double Low, double High, bool Tested,
        double Null = 0, double P = double.NaN, double PHolm = double.NaN)
    {
        public bool Differs => Tested && PHolm < Alpha;
        public bool Above() => Differs && Mean > Null;
        public bool Below() => Differs && Mean < Null;
    }

    private const double Alpha = 0.05;

    private static PairStatistic Statistic(string name, IReadOnlyList<double> perPair, double nullValue = 0)
    {
        if (perPair.Count < 2) return new(name, perPair, perPair.DefaultIfEmpty(double.NaN).Average(), double.NaN, double.NaN, false, nullValue);
        var test = PairLevelTest.Of(perPair, $"copying experiment, {name}");
        if (!test.HasSpread) return new(name, perPair, test.Mean, double.NaN, double.NaN, false, nullValue);
        var (low, high) = test.Interval(Level);
        return new(name, perPair, test.Mean, low, high, true, nullValue, Math.Min(1, 2 * Math.Min(test.PAbove(nullValue), test.PBelow(nullValue))));
    }

    /// <summary>Holm across the family: the tested statistics' two-sided p-values adjusted together.</summary>
    private static IReadOnlyList<PairStatistic> WithHolm(IReadOnlyList<PairStatistic> family)
    {
        var tested = family.Select((x, i) => (x, i)).Where(t => t.x.Tested).ToList();
        var adjusted = Holm.Adjust(tested.Select(t => t.x.P).ToList());
        var byIndex = tested.Select((t, a) => (t.i, p: adjusted[a])).ToDictionary(t => t.i, t => t.p);
        return family.Select((x, i) => byIndex.TryGetValue(i, out var p) ? x with { PHolm = p } : x).ToList();
    }

    private static bool IsPair(CopyingDistance d, string a, string b) => (d.StartA == a && d.StartB == b) || (d.StartA == b && d.StartB == a);

    private static IEnumerable<IGrouping<(int, int), T>> ByPair<T>(IEnumerable<T> items, Func<T, (int, int)> key) => items.GroupBy(key).OrderBy(g => g.Key);

    /// <summary>The statistics the answer rests on, in the order the markdown states them.</summary>
    public static IReadOnlyList<PairStatistic> Statistics(IReadOnlyList<CopyingRow> rows, IReadOnlyList<CopyingDistance> distances)
    {
        var task = rows.Where(r => r.Kind == "task").ToList();
        var pairs = ByPair(task, r => (r.SenderSeed, r.ReceiverSeed)).Select(g => g.Key).ToList();
        double SeedSpread((int, int) p) => distances.Where(d => (d.SenderSeed, d.ReceiverSeed) == p && d.StartA == d.StartB).Average(d => d.Nmse);
        double AcrossStarts((int, int) p) => distances.Where(d => (d.SenderSeed, d.ReceiverSeed) == p && d.StartA != d.StartB).Average(d => d.Nmse);
        double ToLs((int, int) p, string? start = null) => task.Where(r => (r.SenderSeed, r.ReceiverSeed) == p && (start is null || r.Start == start)).Average(r => r.NmseLsCopy);
        double Moved((int, int) p, string kind, string start) =>
            rows.Where(r => (r.SenderSeed, r.ReceiverSeed) == p && r.Kind == kind && r.Start == start).Average(r => r.NmseFromStart);
        // log10 of (mean distance to the LS copy of task stitches from starts a and b / mean distance between a's and b's
        // stitches), over the pair's cells where both starts exist (NaN where none does): below 0, nearer the copy than each other.
        double NearerCopy((int, int) p, string a, string b)
        {
            var between = distances.Where(d => (d.SenderSeed, d.ReceiverSeed) == p && IsPair(d, a, b)).ToList();
            var cells = between.Select(d => (d.SenderLayer, d.ReceiverLayer)).ToHashSet();
            var toLs = task.Where(r => (r.SenderSeed, r.ReceiverSeed) == p && (r.Start == a || r.Start == b) && cells.Contains((r.SenderLayer, r.ReceiverLayer)));
            return between.Count == 0 ? double.NaN : Math.Log10(toLs.Average(r => r.NmseLsCopy) / between.Average(d => d.Nmse));
        }
        var least = StitchInit.LeastSquares.Name();
        var pytorch = StitchInit.Default.Name();
        var identity = StitchInit.Identity.Name();
        return WithHolm(
        [
            Statistic("log10(task-to-LS-copy / task-to-task across starts)", pairs.Select(p => Math.Log10(ToLs(p) / AcrossStarts(p))).ToList()),
            Statistic("task-to-task across starts / seed-to-seed", pairs.Select(p => AcrossStarts(p) / SeedSpread(p)).ToList(), 1),
            Statistic("task-to-LS-copy / seed-to-seed", pairs.Select(p => ToLs(p) / SeedSpread(p)).ToList(), 1),
            Statistic("log10(task-to-LS-copy from PyTorch init / from least squares)", pairs.Select(p => Math.Log10(ToLs(p, pytorch) / ToLs(p, least))).ToList()),
            Statistic("placebo move / task move, least-squares start", pairs.Select(p => Moved(p, "placebo", least) / Moved(p, "task", least)).ToList(), 1),
            Statistic("placebo move / task move, PyTorch init", pairs.Select(p => Moved(p, "placebo", pytorch) / Moved(p, "task", pytorch)).ToList(), 1),
            // The same question between the two starts that already reproduce the receiver's path (least squares, identity), on the
            // cells where both exist (at the sweep's lr 0.001 the recipe barely trains a stitch from PyTorch's init, far from everything).
            Statistic("log10(LS/identity-start task-to-LS-copy / LS-to-identity-start distance)", pairs.Select(p => NearerCopy(p, least, identity)).Where(double.IsFinite).ToList()),
            Statistic("agreement with receiver: task - LS copy", ByPair(rows, r => (r.SenderSeed, r.ReceiverSeed)).Select(g =>
                g.Where(r => r.Kind == "task").Average(r => r.Agreement) - g.Where(r => r.Kind == "ls-copy").Average(r => r.Agreement)).ToList()),
            // The least-squares start is the copy itself, so a stitch trained from it is near the copy by construction. The question
            // without that start: from PyTorch's init and from the identity, do task stitches end nearer the LS copy than each other?
            Statistic("log10(PyTorch-init/identity-start task-to-LS-copy / PyTorch-init-to-identity-start distance)", pairs.Select(p => NearerCopy(p, pytorch, identity)).Where(double.IsFinite).ToList()),
        ]);
    }

    public static string Markdown(CopyingOptions options, IReadOnlyList<CopyingRow> rows, IReadOnlyList<CopyingDistance> distances, string header)
    {
        var md = new StringBuilder();
        void L(string line = "") => md.Append(line).Append('\n');
        var stats = Statistics(rows, distances);
        var pairs = rows.Select(r => (r.SenderSeed, r.ReceiverSeed)).Distinct().Count();
        L("# The copying question, without building the answer in (issue 23.1)");
        L();
        L(header.TrimEnd());
        L();
        L($"{options.Arch} (width {options.Width}) stitched into another trained {options.Arch}; {pairs} network pairs (sender seeds, receiver seeds: " +
          string.Join(", ", rows.Select(r => $"{r.SenderSeed}->{r.ReceiverSeed}").Distinct()) + "); cells " +
          string.Join(", ", options.Cells.Select(c => $"{c.Sender}->{c.Receiver}")) + $"; stitch seeds {string.Join(",", options.StitchSeeds)}; recipe: " +
          $"(Adam lr {F(options.Stitch.LearningRate)}, weight decay {F(options.Stitch.WeightDecay)}, warm-up then cosine over {options.Stitch.Epochs} epochs, best held-out check kept, " +
          (options.Stitch.Patience == 0 ? "no early stop" : $"patience {F(options.Stitch.Patience)} epochs of {options.Stitch.EvalsPerEpoch} checks, then {F(options.Stitch.AnnealEpochs)} epochs' decay to zero") + $"), {options.Stitch.Precision.Name()}. Distances are output MSEs on the test images over the " +
          "variance of the expected representation (nMSE); every statistic is averaged over a pair's cells and seeds first, then given a 95% t interval over pairs and a two-sided t test against its null, Holm-adjusted across the nine statistics (the answer reads a direction only where the adjusted p is under 0.05).");
        L();
        L("## The answer");
        L();
        foreach (var line in Answer(stats)) L($"- {line}");
        L();
        L("## Statistics over network pairs");
        L();
        StatisticsTable(L, stats);
        L();
        L("## Each kind of stitch (means over pairs, cells and seeds)");
        L();
        KindTable(L, rows);
        L();
        L("The trade-off rows (cross-entropy + lambda x nMSE to the expected representation, from PyTorch's init, stitch seed 0, on the");
        L($"cells {string.Join(", ", options.TradeOffCells.Select(i => $"{options.Cells[i].Sender}->{options.Cells[i].Receiver}"))}) sit between the task stitch (lambda 0, `task default` above) and the LS copy (lambda -> infinity).");
        L();
        L("## Distances between task stitches, by their starts (nMSE, means over pairs, cells and seeds)");
        L();
        L("| start A | start B | stitch pairs | nMSE between them |");
        L("|---|---|---|---|");
        foreach (var g in distances.GroupBy(d => string.CompareOrdinal(d.StartA, d.StartB) <= 0 ? (d.StartA, d.StartB) : (d.StartB, d.StartA)).OrderBy(g => g.Key))
            L($"| {g.Key.Item1} | {g.Key.Item2} | {g.Count()} | {F(g.Average(d => d.Nmse))} |");
        L();
        L("## Per cell (means over pairs and seeds)");
        L();
        L("| cell | seed-to-seed nMSE | task-to-task across starts | task-to-LS copy | LS copy accuracy | task accuracy | task agreement | LS copy agreement |");
        L("|---|---|---|---|---|---|---|---|");
        foreach (var c in rows.GroupBy(r => (r.SenderLayer, r.ReceiverLayer)))
        {
            var d = distances.Where(x => (x.SenderLayer, x.ReceiverLayer) == c.Key).ToList();
            var t = c.Where(r => r.Kind == "task").ToList();
            var ls = c.Where(r => r.Kind == "ls-copy").ToList();
            L($"| {c.Key.SenderLayer}->{c.Key.ReceiverLayer} | {F(d.Where(x => x.StartA == x.StartB).Average(x => x.Nmse))} | {F(d.Where(x => x.StartA != x.StartB).Average(x => x.Nmse))} | " +
              $"{F(t.Average(r => r.NmseLsCopy))} | {P(ls.Average(r => r.Accuracy))} | {P(t.Average(r => r.Accuracy))} | {P(t.Average(r => r.Agreement))} | {P(ls.Average(r => r.Agreement))} |");
        }
        L();
        L($"Files: `{RowsFile}` (one row per stitch), `{DistancesFile}` (every pair of task stitches of a cell and network pair).");
        return md.ToString();
    }

    /// <summary>The statistics as a Markdown table: per-pair values, mean, 95% interval, the null, two-sided p and Holm's p.</summary>
    public static void StatisticsTable(Action<string> line, IReadOnlyList<PairStatistic> stats)
    {
        line("| statistic | per pair | mean [95% t interval over pairs] | null | p (two-sided t) | Holm p (9 statistics) |");
        line("|---|---|---|---|---|---|");
        foreach (var s in stats)
            line($"| {s.Name} | {string.Join(", ", s.PerPair.Select(v => F(v)))} | {F(s.Mean)} {(s.Tested ? $"[{F(s.Low)}, {F(s.High)}]" : "(untested)")} | {F(s.Null)} | {F(s.P)} | {F(s.PHolm)} |");
    }

    /// <summary>The answer in words, read from the Holm-adjusted tests, whichever way they fall.</summary>
    public static IReadOnlyList<string> Answer(IReadOnlyList<PairStatistic> s)
    {
        var (nearer, acrossScaled, lsScaled, startDependence, placeboLs, placeboDefault, nearerTrained, agreement) = (s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
        var nearerUnrelated = s[8];
        string Interval(PairStatistic x) => x.Tested ? $"{F(x.Mean)} [{F(x.Low)}, {F(x.High)}], Holm p {F(x.PHolm)}" : $"{F(x.Mean)} (untested)";
        return
        [
            // The headline leaves the least-squares start out: a stitch trained from the copy is near the copy by construction.
            (nearerUnrelated.Above() ? "**From starts that are not the copy (PyTorch's init, the identity), task-trained stitches end nearer each other than the least-squares copy**"
                : nearerUnrelated.Below() ? "**From starts that are not the copy (PyTorch's init, the identity), task-trained stitches end nearer the least-squares copy than each other**"
                : "**From starts that are not the copy (PyTorch's init, the identity), cannot tell whether task-trained stitches end nearer each other or nearer the least-squares copy**") +
            $": log10 of (their distance to the LS copy / their distance from each other) = {Interval(nearerUnrelated)} over pairs, on the diagonal cells.",
            (nearer.Above() ? "Pooled over all three starts (the least-squares one included), task stitches end nearer each other than the LS copy"
                : nearer.Below() ? "Pooled over all three starts (the least-squares one included, which is near the copy by construction), task stitches end nearer the LS copy than each other"
                : "Pooled over all three starts, cannot tell") + $" (log10 ratio {Interval(nearer)}).",
            (nearerTrained.Above() ? "Between the least-squares and identity starts alone, task stitches end nearer each other than the LS copy"
                : nearerTrained.Below() ? "Between the least-squares and identity starts alone, task stitches end nearer the LS copy than each other"
                : "Between the least-squares and identity starts alone, cannot tell") + $" (log10 ratio {Interval(nearerTrained)}).",
            $"In seed-to-seed units (the mean distance between stitch seeds of one start, pooled over starts): stitches from different starts are {Interval(acrossScaled)} seed-distances apart, and {Interval(lsScaled)} from the LS copy.",
            (startDependence.Above() ? "Where a stitch ends depends on its start: from PyTorch's init it ends farther from the LS copy than from the least-squares start"
                : startDependence.Below() ? "From PyTorch's init a stitch ends nearer the LS copy than from the least-squares start"
                : "Cannot tell whether the start changes how near the LS copy a stitch ends") + $" (log10 ratio {Interval(startDependence)}).",
            "Placebo (the recipe with no task gradient, for the steps of the task stitch's kept check), against task training's move from the same start: " +
            (placeboLs.Above() ? "from the least-squares start it moves a stitch farther" : placeboLs.Below() ? "from the least-squares start it moves a stitch less far" : "from the least-squares start, cannot tell whether it moves a stitch farther or less far") +
            $" (placebo's move / task training's: {Interval(placeboLs)}); " +
            (placeboDefault.Above() ? "from PyTorch's init farther" : placeboDefault.Below() ? "from PyTorch's init less far" : "from PyTorch's init, cannot tell") +
            $" ({Interval(placeboDefault)}).",
            (agreement.Above() ? "Functionally, task stitches agree with the receiver's own predictions more often than the LS copy does"
                : agreement.Below() ? "Functionally, task stitches agree with the receiver's own predictions less often than the LS copy does"
                : "Functionally, cannot tell whether task stitches agree with the receiver's own predictions more or less often than the LS copy does") +
            $" (task - LS copy, fraction of test images, pooled over starts: {Interval(agreement)}).",
        ];
    }

    /// <summary>
    /// Writes the experiment's folder: <see cref="RowsFile"/>, <see cref="DistancesFile"/> and <see cref="MarkdownFile"/> (the
    /// command, where and on what it ran, then the answer). Used by the <c>copying</c> command and by the findings report.
    /// </summary>
    public static void WriteFolder(string directory, CopyingOptions options, IReadOnlyList<CopyingRow> rows, IReadOnlyList<CopyingDistance> distances,
        TimeSpan elapsed, string hardware, int threads, string precision, Provenance provenance)
    {
        Directory.CreateDirectory(directory);
        WriteRows(Path.Combine(directory, RowsFile), rows);
        WriteDistances(Path.Combine(directory, DistancesFile), distances);
        var header = $"```\n{options.Command}\n```\n\nRun {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC in {elapsed:hh\\:mm\\:ss} on {hardware} " +
                     $"({threads} threads), {precision}, commit `{provenance.Commit}`{(provenance.Dirty ? " (uncommitted changes)" : "")}, " +
                     $"TorchSharp {provenance.TorchSharp}, provenance `{provenance.Id}`.";
        AtomicFile.Write(Path.Combine(directory, MarkdownFile), w => w.Write(Markdown(options, rows, distances, header)));
    }

    public static void WriteRows(string path, IEnumerable<CopyingRow> rows) => AtomicFile.Write(path, w =>
    {
        Csv.WriteRow(w, ["sender_seed", "receiver_seed", "sender_layer", "receiver_layer", "kind", "start", "stitch_seed", "lambda", "epochs", "stop_reason",
            "accuracy", "agreement", "kl", "nmse_expected", "nmse_ls_copy", "nmse_from_start"]);
        foreach (var r in rows)
            Csv.WriteRow(w, [Csv.Format(r.SenderSeed), Csv.Format(r.ReceiverSeed), r.SenderLayer, r.ReceiverLayer, r.Kind, r.Start, Csv.Format(r.StitchSeed),
                Csv.Format(r.Lambda), Csv.Format(r.Epochs), r.Stop.Name(), Csv.Format(r.Accuracy), Csv.Format(r.Agreement), Csv.Format(r.Kl),
                Csv.Format(r.NmseExpected), Csv.Format(r.NmseLsCopy), Csv.Format(r.NmseFromStart)]);
    });

    public static void WriteDistances(string path, IEnumerable<CopyingDistance> distances) => AtomicFile.Write(path, w =>
    {
        Csv.WriteRow(w, ["sender_seed", "receiver_seed", "sender_layer", "receiver_layer", "start_a", "seed_a", "start_b", "seed_b", "nmse"]);
        foreach (var d in distances)
            Csv.WriteRow(w, [Csv.Format(d.SenderSeed), Csv.Format(d.ReceiverSeed), d.SenderLayer, d.ReceiverLayer, d.StartA, Csv.Format(d.SeedA), d.StartB,
                Csv.Format(d.SeedB), Csv.Format(d.Nmse)]);
    });

    /// <summary>One row per kind, start and lambda: means over pairs, cells and seeds (copying.md and the report's section 4).</summary>
    public static void KindTable(Action<string> L, IReadOnlyList<CopyingRow> rows)
    {
        L("| kind | start | lambda | stitches | accuracy | agreement with receiver | KL(receiver, stitched) | nMSE to expected | nMSE to LS copy | nMSE from its start | epochs | stop reasons |");
        L("|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var g in rows.GroupBy(r => (r.Kind, r.Start, r.Lambda)).OrderBy(g => KindOrder(g.Key.Kind)).ThenBy(g => g.Key.Start, StringComparer.Ordinal).ThenBy(g => g.Key.Lambda))
            L($"| {g.Key.Kind} | {g.Key.Start} | {(double.IsNaN(g.Key.Lambda) ? "" : F(g.Key.Lambda))} | {g.Count()} | {P(g.Average(r => r.Accuracy))} | {P(g.Average(r => r.Agreement))} | {F(g.Average(r => r.Kl))} | " +
              $"{F(g.Average(r => r.NmseExpected))} | {F(g.Average(r => r.NmseLsCopy))} | {F(g.Select(r => r.NmseFromStart).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average())} | " +
              $"{F(g.Average(r => r.Epochs))} | {string.Join(", ", g.GroupBy(r => r.Stop).OrderBy(s => s.Key).Select(s => $"{s.Key.Name()} {s.Count()}"))} |");
    }

    private static int KindOrder(string kind) => kind switch { "task" => 0, "placebo" => 1, "trade-off" => 2, _ => 3 };
    // Small distances (a stitch that barely moved) keep three significant digits instead of rounding to 0.
    private static string F(double v) => double.IsNaN(v) ? "-"
        : v.ToString(Math.Abs(v) >= 100 ? "0" : Math.Abs(v) >= 0.001 || v == 0 ? "0.###" : "0.##E+0", CultureInfo.InvariantCulture);
    private static string P(double v) => double.IsNaN(v) ? "-" : (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + "%";
}
