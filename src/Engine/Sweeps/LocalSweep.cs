using Microsoft.Extensions.Logging;
using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Execution;
using Stitching.Engine.Research;
using Stitching.Reporting.Tables;

namespace Stitching.Engine.Sweeps;

/// <summary>
/// Runs a whole sweep on this machine into an output folder, the way the platform runs a submitted one: the plan's
/// jobs (<see cref="SweepPlan.Models"/>, then <see cref="SweepPlan.StitchJobs"/>, with the ids a submission gives them)
/// go through an <see cref="InMemoryJobQueue"/> to the worker's <see cref="JobProcessor"/>, which stores into the folder
/// (<see cref="FolderSweepStore"/>, <see cref="FolderCheckpoints"/>) what it stores into tables and blobs on Azure. So
/// resume, the per-layer order and what is stored before what are the worker's by construction: a rerun into the same
/// folder trains only the stitches whose rows are missing, from a layer's saved progress where there is one.
/// models.csv and model-curves.csv are written once the models exist; the matrices, curves figures, analysis matrices
/// (<see cref="AnalysisOutputs"/>) and results.parquet (<see cref="LongResultsTable"/>) at the end. Baselines, CKA Grams
/// and loaded models are kept across <see cref="Run"/> calls, so experiments sharing a sender or receiver share them.
/// </summary>
public sealed class LocalSweep(StitchEngine engine, ILogger<LocalSweep>? logger = null) : IDisposable
{
    /// <summary>The processor's checkpoint directory inside the output folder: progress files and stitches on their way in.</summary>
    public const string WorkFolder = ".work";

    private readonly ILogger _logger = logger ?? engine.Loggers.CreateLogger<LocalSweep>();
    private StitchGroupJob? _stitches;

    /// <summary>Test images used for CKA (the first ones of the test split).</summary>
    public int CkaImages { get; init; } = 1000;
    /// <summary>Also render one PNG per analysis metric and variant (JSON is always written).</summary>
    public bool RenderMetricPngs { get; init; } = true;

    public StitchJobResult Run(SweepSpec spec, string outDirectory, IProgress<SweepProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var plan = SweepPlan.Create(spec);
        Directory.CreateDirectory(outDirectory);
        SweepManifest.WriteOrCheck(outDirectory, new SweepManifest(spec, engine.Provenance, DateTimeOffset.UtcNow));
        var store = new FolderSweepStore(outDirectory, plan);
        if (store.Stored > 0) _logger.LogInformation("Resuming: {Done} of {Total} stitches already in {Path}.", store.Stored, store.Total, outDirectory);
        progress?.Report(new SweepProgress(store.Stored, store.Total, "starting"));

        _stitches ??= new StitchGroupJob(engine) { CkaImages = CkaImages };
        var work = Path.Combine(outDirectory, WorkFolder);
        var queue = new InMemoryJobQueue();
        var processor = new JobProcessor(store, new FolderCheckpoints(outDirectory), queue, store,
            new LocalJobExecutor(engine, _stitches, progress, store.Stored, store.Total),
            new JobProcessorOptions
            {
                WorkerId = "local", CheckpointDirectory = work, FailFast = true,
                // One process holds every job: nothing to renew against, and progress is saved at every epoch's end.
                LockDuration = TimeSpan.FromHours(1), ProgressInterval = TimeSpan.Zero,
            },
            // The CLI prints a line per layer (SweepProgress); the processor's per-job lines would repeat it, its warnings would not.
            new WarningsOnly(engine.Loggers.CreateLogger<JobProcessor>()));

        // Model jobs first, as the platform's fan-out sends a stitch job only once its models exist.
        Drain(queue, processor, store.ModelJobs, cancellationToken);
        var models = store.Models(plan);
        ModelsCsv.WriteFile(Path.Combine(outDirectory, SweepOutputs.ModelsFile), models);
        ModelCurvesTable.WriteFile(Path.Combine(outDirectory, ModelCurvesTable.FileName), models);
        Drain(queue, processor, store.StitchJobs, cancellationToken);
        if (Directory.Exists(work)) Directory.Delete(work, recursive: true);

        var results = store.Results;
        SweepOutputs.WriteMatrices(outDirectory, plan, results);
        var sweep = new SweepResults(SweepFolder.Id(outDirectory), spec, results);
        SweepOutputs.WriteCurves(outDirectory, sweep);
        var analyses = store.Analyses;
        if (spec.Analyses.Count > 0) AnalysisOutputs.Write(outDirectory, plan, analyses, RenderMetricPngs);
        // The long table beside results.csv: every setting on every row, for pandas and for concatenating sweeps.
        LongResultsParquet.WriteFile(Path.Combine(outDirectory, SweepFolder.ParquetFile), [sweep]);
        return new StitchJobResult(results, analyses);
    }

    /// <summary>
    /// Sends <paramref name="jobs"/> and processes deliveries until the queue is empty. A failing job throws the engine's
    /// exception (<see cref="JobProcessorOptions.FailFast"/>); one the processor refuses without running (a dead letter) throws its reason.
    /// </summary>
    private static void Drain(InMemoryJobQueue queue, JobProcessor processor, IReadOnlyList<JobMessage> jobs, CancellationToken cancellationToken)
    {
        queue.SendBatchAsync(jobs, cancellationToken).GetAwaiter().GetResult();
        while (processor.ProcessNextAsync(TimeSpan.Zero, cancellationToken).GetAwaiter().GetResult() is not null)
        {
            var dead = queue.ReceiveDeadLettersAsync(1, cancellationToken).GetAwaiter().GetResult();
            if (dead.Count > 0) throw new InvalidOperationException($"Job {dead[0].Message?.JobId ?? "(unreadable)"} could not run: {dead[0].Reason}: {dead[0].Description}");
        }
    }

    public void Dispose() => _stitches?.Dispose();
}

file sealed class WarningsOnly(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel)) inner.Log(logLevel, eventId, state, exception, formatter);
    }
}
