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

/// <summary>
/// Runs the report's experiments (<see cref="ReportOptions.Experiments"/>) into one folder, a sweep output folder per
/// experiment, and writes report.md beside them (<see cref="ReportWriter"/>).
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
        var path = Path.Combine(outDirectory, ReportFile);
        AtomicFile.Write(path, w => w.Write(ReportWriter.Write(options, data, device, outcomes, total.Elapsed, provenance)));
        _logger.LogInformation("Wrote {Path} in {Elapsed}", path, total.Elapsed.ToString(@"mm\:ss", CultureInfo.InvariantCulture));
        return outcomes;
    }
}
