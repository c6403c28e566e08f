using Microsoft.Extensions.Logging;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Interop;
using Stitching.Engine.Research;
using Stitching.Reporting.Tables;

namespace Stitching.Engine.Sweeps;

/// <summary>
/// Runs a whole sweep locally into an output folder: an in-process queue over the platform's plan. The model jobs are
/// the plan's models, the stitch jobs <see cref="SweepPlan.StitchJobs"/> (the jobs, and job ids, a submission queues),
/// each run by the executor the queue worker runs, <see cref="StitchGroupJob"/>, one receiver layer at a time as
/// <see cref="JobProcessor"/> does. Resume is the worker's: stitches whose rows are stored (results.csv, and analysis.csv
/// when analyses were asked) are skipped, so a rerun into the same folder trains only what is missing.
/// analysis.csv then results.csv and curves.csv (<see cref="CurvesTable"/>) are rewritten (atomically) after every receiver
/// layer, as the worker stores a layer's analysis rows before its results, each trained stitch's weights before them
/// (<see cref="SweepOutputs.StitchFile"/>); models.csv and model-curves.csv at the start; curves.png/.svg, the matrices, analysis matrices
/// (<see cref="AnalysisOutputs"/>) and results.parquet (<see cref="LongResultsTable"/>) at the end.
/// Baselines, CKA Grams and loaded models are kept across <see cref="Run"/> calls, so experiments sharing a sender or receiver share them.
/// </summary>
public sealed class SweepRunner(StitchEngine engine, ILogger<SweepRunner>? logger = null) : IDisposable
{
    private readonly ILogger _logger = logger ?? engine.Loggers.CreateLogger<SweepRunner>();
    private StitchGroupJob? _executor;

    /// <summary>Test images used for CKA (the first ones of the test split).</summary>
    public int CkaImages { get; init; } = 1000;
    /// <summary>Also render one PNG per analysis metric and variant (JSON is always written).</summary>
    public bool RenderMetricPngs { get; init; } = true;

    public StitchJobResult Run(SweepSpec spec, string outDirectory, IProgress<SweepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var plan = SweepPlan.Create(spec);
        var analyses = spec.Analyses.Count > 0;
        Directory.CreateDirectory(outDirectory);
        SweepManifest.WriteOrCheck(outDirectory, new SweepManifest(spec, engine.Provenance, DateTimeOffset.UtcNow));
        var resultsPath = Path.Combine(outDirectory, SweepOutputs.ResultsFile);
        var analysisPath = Path.Combine(outDirectory, AnalysisCsv.FileName);
        var curvesPath = Path.Combine(outDirectory, CurvesTable.FileName);
        var sweepId = SweepFolder.Id(outDirectory);
        var rows = (File.Exists(resultsPath) ? ResultsCsv.ReadFile(resultsPath) : []).ToDictionary(CellKey.Of);
        // results.csv has no column for curves: a resumed sweep takes the stored stitches' curves back from curves.csv.
        if (File.Exists(curvesPath))
            foreach (var (id, curve) in CurvesTable.ReadFile(curvesPath))
                if (rows.TryGetValue(id, out var stored)) rows[id] = stored with { Curve = curve };
        var analysisRows = (analyses && File.Exists(analysisPath) ? AnalysisCsv.ReadFile(analysisPath) : []).ToDictionary(CellKey.Of);
        bool Stored(StitchTask t) => rows.ContainsKey(CellKey.Of(t)) && (!analyses || analysisRows.ContainsKey(CellKey.Of(t)));

        // Model jobs first, as the queue runs them before the stitch jobs that need them.
        var models = plan.Models.Select(m => engine.Model(m, cancellationToken).Info.ToResult()).ToList();
        ModelsCsv.WriteFile(Path.Combine(outDirectory, SweepOutputs.ModelsFile), models);
        ModelCurvesTable.WriteFile(Path.Combine(outDirectory, ModelCurvesTable.FileName), models);

        var jobs = plan.StitchJobs.ToList();
        var total = jobs.Sum(j => j.Count);
        var done = jobs.Sum(j => j.Tasks().Count(Stored));
        if (done > 0) _logger.LogInformation("Resuming: {Done} of {Total} stitches already in {Path}.", done, total, resultsPath);
        progress?.Report(new SweepProgress(done, total, "starting"));
        _executor ??= new StitchGroupJob(engine) { CkaImages = CkaImages };
        foreach (var job in jobs)
        {
            // A job's stitches into one receiver layer are stored together, as the worker stores them: a partly run job reruns only what is missing.
            foreach (var layer in job.Tasks().Where(t => !Stored(t)).GroupBy(t => t.ReceiverLayer))
            {
                var tasks = layer.ToList();
                var label = $"{JobIds.ForStitches(job)}: {tasks[0].Receiver.Arch} {(tasks[0].Receiver.Trained ? "trained" : "random")} layer {layer.Key} <- {tasks.Count} stitches";
                progress?.Report(new SweepProgress(done, total, label));
                using var trained = _executor.Run(spec, tasks, cancellationToken: cancellationToken);
                // Before the rows: a stored row always has its stitch beside it (a stitch without a row is retrained and replaced).
                foreach (var (task, stitch) in trained.Stitches) TorchExport.WriteStitch(SweepOutputs.StitchFile(outDirectory, task), stitch, task);
                foreach (var r in trained.Result.Results) rows[CellKey.Of(r)] = r;
                foreach (var a in trained.Result.Analyses) analysisRows[CellKey.Of(a)] = a;
                if (analyses) AnalysisCsv.WriteFile(analysisPath, analysisRows.Values);
                ResultsCsv.WriteFile(resultsPath, rows.Values);
                // Beside results.csv, so a stopped sweep keeps the curves of every stitch it kept.
                CurvesTable.WriteFile(curvesPath, new SweepResults(sweepId, spec, rows.Values.ToList()));
                done += tasks.Count;
                progress?.Report(new SweepProgress(done, total, label));
            }
        }
        var results = rows.Values.ToList();
        SweepOutputs.WriteMatrices(outDirectory, plan, results);
        var sweep = new SweepResults(sweepId, spec, results);
        SweepOutputs.WriteCurves(outDirectory, sweep);
        var analysisList = analysisRows.Values.ToList();
        if (analyses) AnalysisOutputs.Write(outDirectory, plan, analysisList, RenderMetricPngs);
        // The long table beside results.csv: every setting on every row, for pandas and for concatenating sweeps.
        LongResultsParquet.WriteFile(Path.Combine(outDirectory, SweepFolder.ParquetFile), [sweep]);
        return new StitchJobResult(results, analysisList);
    }

    public void Dispose() => _executor?.Dispose();
}
