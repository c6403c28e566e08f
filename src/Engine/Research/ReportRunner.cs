using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Engine.Models;
using Stitching.Engine.Sweeps;
using Stitching.Engine.Training;
using Stitching.Reporting.Tables;
using static TorchSharp.torch;

namespace Stitching.Engine.Research;

/// <summary>What one experiment of the report produced; <see cref="Directory"/> is relative to the report folder.</summary>
public sealed record ExperimentOutcome(
    ReportExperiment Experiment, SweepPlan Plan, IReadOnlyList<StitchResult> Results, IReadOnlyList<AnalysisResult> Analyses,
    IReadOnlyList<ModelResult> Models, string Directory, TimeSpan Elapsed);

/// <summary>The copying experiment's rows and pairwise distances (section 4), in the report's <see cref="Directory"/>.</summary>
public sealed record CopyingOutcome(CopyingOptions Options, IReadOnlyList<CopyingRow> Rows, IReadOnlyList<CopyingDistance> Distances, string Directory, TimeSpan Elapsed);

/// <summary>
/// Runs the report's experiments (<see cref="ReportOptions.Experiments"/>) into one folder, a sweep output folder per
/// experiment, then the copying experiment (<see cref="ReportOptions.Copying"/>) into copying/, and writes report.md beside them (<see cref="ReportWriter"/>).
/// </summary>
public sealed class ReportRunner(SweepData data, ModelRepository models, Device device, ILoggerFactory? loggers = null)
{
    private readonly ILogger _logger = (loggers ?? NullLoggerFactory.Instance).CreateLogger<ReportRunner>();

    public const string ReportFile = "report.md";

    public IReadOnlyList<ExperimentOutcome> Run(ReportOptions options, string outDirectory, CancellationToken cancellationToken = default)
    {
        var total = Stopwatch.StartNew();
        var experiments = options.Experiments();
        using var engine = new StitchEngine(data, models, device, options.Stitch, 2L << 30, loggers);
        var provenance = engine.Provenance;   // before the run writes anything: its outputs may be tracked files
        Directory.CreateDirectory(outDirectory);
        using var research = new LocalSweep(engine) { CkaImages = options.CkaImages, RenderMetricPngs = false };
        var outcomes = new List<ExperimentOutcome>();
        foreach (var experiment in experiments)
        {
            var clock = Stopwatch.StartNew();
            _logger.LogInformation("Experiment {Experiment}: {Title}", experiment.Name, experiment.Title);
            var dir = Path.Combine(outDirectory, experiment.Name);
            var (results, analyses) = research.Run(experiment.Spec, dir, cancellationToken: cancellationToken);
            var plan = SweepPlan.Create(experiment.Spec);
            outcomes.Add(new ExperimentOutcome(experiment, plan, results, analyses,
                ModelsCsv.ReadFile(Path.Combine(dir, SweepOutputs.ModelsFile)), experiment.Name, clock.Elapsed));
            _logger.LogInformation("  {Experiment} done in {Elapsed}", experiment.Name, clock.Elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture));
        }
        var copying = RunCopying(options, outDirectory, provenance, cancellationToken);
        var path = Path.Combine(outDirectory, ReportFile);
        AtomicFile.Write(path, w => w.Write(ReportWriter.Write(options, data, device, outcomes, copying, total.Elapsed, provenance)));
        _logger.LogInformation("Wrote {Path} in {Elapsed}", path, total.Elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture));
        return outcomes;
    }

    public const string CopyingDirectory = "copying";

    private CopyingOutcome RunCopying(ReportOptions options, string outDirectory, Domain.Contracts.Provenance provenance, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var copying = options.Copying;
        _logger.LogInformation("Experiment {Experiment}: {Pairs} pairs of {Arch}, cells {Cells}", CopyingDirectory, copying.Pairs, copying.Arch,
            string.Join(", ", copying.Cells.Select(c => $"{c.Sender}->{c.Receiver}")));
        // Its own engine: the copying recipe is fp32 whatever the report's stitches chose, so no answer depends on a CPU's bf16.
        using var engine = new StitchEngine(data, models, device, copying.Stitch, 2L << 30, loggers) { RefuseChanceModels = !copying.AllowChanceModels };
        var (rows, distances) = new CopyingExperiment(engine, loggers?.CreateLogger<CopyingExperiment>()).Run(copying, ct);
        var dir = Path.Combine(outDirectory, CopyingDirectory);
        CopyingSummary.WriteFolder(dir, copying, rows, distances, clock.Elapsed, engine.Hardware, get_num_threads(), Precision.Name(engine.ComputeType), provenance);
        _logger.LogInformation("  {Experiment} done in {Elapsed}", CopyingDirectory, clock.Elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture));
        return new CopyingOutcome(copying, rows, distances, CopyingDirectory, clock.Elapsed);
    }
}
