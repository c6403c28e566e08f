using Stitching.Core.Contracts;
using Stitching.Core.Results;
using Stitching.Core.Sweeps;
using Stitching.GpuRunner.Stitches;

namespace Stitching.GpuRunner.Sweeps;

/// <summary>
/// Runs a whole sweep locally into an output folder. Finished stitches found in results.csv are kept, so a
/// rerun into the same folder resumes; results.csv is rewritten (atomically) after every stitch group, and results.parquet
/// (the long table, <see cref="LongResultsTable"/>) at the end.
/// </summary>
public sealed class SweepRunner(StitchEngine engine, Action<string>? log = null)
{
    public IReadOnlyList<StitchResult> Run(SweepSpec spec, string outDirectory, IProgress<SweepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var plan = SweepPlan.Create(spec);
        Directory.CreateDirectory(outDirectory);
        SweepManifest.WriteOrCheck(outDirectory, new SweepManifest(spec, engine.Provenance, DateTimeOffset.UtcNow));
        var resultsPath = Path.Combine(outDirectory, SweepOutputs.ResultsFile);
        var rows = File.Exists(resultsPath) ? ResultsCsv.ReadFile(resultsPath).ToList() : [];
        var finished = rows.Select(Key).ToHashSet();
        var all = plan.Stitches.ToList();
        var pending = all.Where(t => !finished.Contains(Key(t))).ToList();
        if (pending.Count < all.Count) log?.Invoke($"Resuming: {all.Count - pending.Count} of {all.Count} stitches already in {resultsPath}.");

        var models = plan.Models.Select(m => engine.Model(m, cancellationToken).Info.ToResult()).ToList();
        ModelsCsv.WriteFile(Path.Combine(outDirectory, SweepOutputs.ModelsFile), models);

        var done = all.Count - pending.Count;
        progress?.Report(new SweepProgress(done, all.Count, "starting"));
        foreach (var pair in plan.Pairs)
        {
            var pairTasks = pending.Where(t => t.Sender.Arch == pair.SenderArch.Name && t.Receiver.Arch == pair.ReceiverArch.Name).ToList();
            foreach (var group in StitchEngine.Groups(pairTasks))
            {
                var label = $"{group[0].Receiver.Arch} {(group[0].Receiver.Trained ? "trained" : "random")} layer {group[0].ReceiverLayer} <- {group.Count} stitches";
                progress?.Report(new SweepProgress(done, all.Count, label));
                var trained = engine.TrainGroup(group, spec.Stitch, cancellationToken: cancellationToken);
                foreach (var (result, stitch) in trained)
                {
                    rows.Add(result);
                    stitch.Dispose();
                }
                done += group.Count;
                ResultsCsv.WriteFile(resultsPath, rows);
                progress?.Report(new SweepProgress(done, all.Count, label));
            }
            engine.ClearActivations();
        }
        SweepOutputs.WriteMatrices(outDirectory, plan, rows);
        // The long table beside results.csv: every setting on every row, for pandas and for concatenating sweeps.
        LongResultsTable.WriteParquetFile(Path.Combine(outDirectory, SweepFolder.ParquetFile), [new SweepResults(SweepFolder.Id(outDirectory), spec, rows)]);
        return rows;
    }

    private static string Key(StitchResult r) => $"{r.Variant}|{r.SenderArch}|{r.SenderSeed}|{r.SenderLayer}|{r.ReceiverArch}|{r.ReceiverSeed}|{r.ReceiverLayer}|{r.StitchSeed}";
    private static string Key(StitchTask t) => $"{t.Variant.Name()}|{t.Sender.Arch}|{t.Sender.Seed}|{t.SenderLayer}|{t.Receiver.Arch}|{t.Receiver.Seed}|{t.ReceiverLayer}|{t.StitchSeed}";
}
