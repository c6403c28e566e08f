using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;

namespace Stitching.Engine.Sweeps;

/// <summary>
/// A local sweep's records in its output folder, behind the interfaces the queue worker's tables implement, so the
/// job processor runs a local sweep as it runs a queued one. results.csv, analysis.csv (when analyses were asked) and
/// curves.csv (<see cref="CurvesTable"/>) are rewritten, atomically, as each stitch is stored, its analysis row before
/// its result row as the worker stores them; job rows live for one run only (resume is per stitch: a stitch whose rows
/// are in the folder is stored, so a rerun into the same folder trains only what is missing). There is nothing to fan
/// out: the local sweep queues its stitch jobs itself once its models exist.
/// </summary>
public sealed class FolderSweepStore : ISweepStore, ISweepFanOut
{
    private readonly Lock _gate = new();
    private readonly string _directory;
    private readonly SweepRecord _sweep;
    private readonly bool _analyses;
    private readonly Dictionary<string, StitchResult> _rows;
    private readonly Dictionary<string, AnalysisResult> _analysisRows;
    private readonly Dictionary<string, StitchTask> _tasks; // by stitch id (JobIds.ForStitch), as the processor names them
    private readonly Dictionary<string, JobRow> _jobs = [];
    private readonly Dictionary<string, ModelResult> _models = [];
    private readonly string _folderId;
    private long _version;

    /// <summary>The sweep id on the job messages: a folder's name need not be a valid storage id, which a message's must be.</summary>
    private const string JobsSweepId = "local";

    public FolderSweepStore(string outDirectory, SweepPlan plan)
    {
        _directory = outDirectory;
        var spec = plan.Spec;
        _analyses = spec.Analyses.Count > 0;
        _folderId = SweepFolder.Id(outDirectory);
        _sweep = new SweepRecord(JobsSweepId, spec.Name, spec, DateTimeOffset.UtcNow, SweepState.Active,
            plan.Models.Count(), plan.StitchJobs.Count(), plan.Stitches.Count());
        _rows = (File.Exists(ResultsPath) ? ResultsCsv.ReadFile(ResultsPath) : []).ToDictionary(CellKey.Of);
        // results.csv has no column for curves: a resumed sweep takes the stored stitches' curves back from curves.csv.
        if (File.Exists(CurvesPath))
            foreach (var (id, curve) in CurvesTable.ReadFile(CurvesPath))
                if (_rows.TryGetValue(id, out var stored)) _rows[id] = stored with { Curve = curve };
        _analysisRows = (_analyses && File.Exists(AnalysisPath) ? AnalysisCsv.ReadFile(AnalysisPath) : []).ToDictionary(CellKey.Of);
        _tasks = plan.StitchJobs.SelectMany(j => j.Tasks()).ToDictionary(JobIds.ForStitch);
        ModelJobs = plan.Models.Select(m => JobMessage.ForModel(_sweep.Id, m)).ToList();
        StitchJobs = plan.StitchJobs.Select(g => JobMessage.ForStitches(_sweep.Id, g)).ToList();
        foreach (var m in ModelJobs.Concat(StitchJobs)) _jobs[m.JobId] = new JobRow(m, JobState.Queued, 0, Sent: true, ETag: NextVersion());
    }

    public IReadOnlyList<JobMessage> ModelJobs { get; }
    public IReadOnlyList<JobMessage> StitchJobs { get; }
    public int Total => _tasks.Count;
    public int Stored => _tasks.Values.Count(IsStored);
    public IReadOnlyList<StitchResult> Results { get { lock (_gate) return _rows.Values.ToList(); } }
    public IReadOnlyList<AnalysisResult> Analyses { get { lock (_gate) return _analysisRows.Values.ToList(); } }

    /// <summary>The models this run trained or loaded, in the plan's order; throws for one that is missing.</summary>
    public IReadOnlyList<ModelResult> Models(SweepPlan plan)
    {
        lock (_gate)
            return plan.Models.Select(m => _models.TryGetValue(m.Key, out var r) ? r : throw new InvalidOperationException($"Model {m.Key} has no result: its job did not finish.")).ToList();
    }

    private string ResultsPath => Path.Combine(_directory, SweepOutputs.ResultsFile);
    private string AnalysisPath => Path.Combine(_directory, AnalysisCsv.FileName);
    private string CurvesPath => Path.Combine(_directory, CurvesTable.FileName);

    private bool IsStored(StitchTask t) => _rows.ContainsKey(CellKey.Of(t)) && (!_analyses || _analysisRows.ContainsKey(CellKey.Of(t)));

    private string NextVersion() => Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public Task<SweepRecord?> GetSweepAsync(string sweepId, CancellationToken cancellationToken = default) =>
        Task.FromResult(sweepId == _sweep.Id ? _sweep : null);

    public Task<JobRow?> GetJobAsync(string sweepId, string jobId, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(sweepId == _sweep.Id ? _jobs.GetValueOrDefault(jobId) : null);
    }

    public Task<JobRow?> TryUpdateJobAsync(JobRow row, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_jobs.TryGetValue(row.JobId, out var current) || current.ETag != row.ETag) return Task.FromResult<JobRow?>(null);
            var stored = row with { ETag = NextVersion() };
            _jobs[row.JobId] = stored;
            return Task.FromResult<JobRow?>(stored);
        }
    }

    public Task<JobRow?> UpdateJobAsync(string sweepId, string jobId, Func<JobRow, JobRow?> change, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_jobs.TryGetValue(jobId, out var current) || change(current) is not { } next) return Task.FromResult<JobRow?>(null);
            var stored = next with { ETag = NextVersion() };
            _jobs[jobId] = stored;
            return Task.FromResult<JobRow?>(stored);
        }
    }

    public Task<ModelResult?> GetModelAsync(string modelKey, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_models.GetValueOrDefault(modelKey));
    }

    public Task UpsertModelAsync(string modelKey, ModelResult model, CancellationToken cancellationToken = default)
    {
        lock (_gate) _models[modelKey] = model;
        return Task.CompletedTask;
    }

    public Task<bool> HasResultAsync(string sweepId, string stitchId, CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_tasks.TryGetValue(stitchId, out var task) && IsStored(task));
    }

    public Task UpsertResultAsync(string sweepId, StoredResult stored, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _rows[CellKey.Of(stored.Result)] = stored.Result;
            ResultsCsv.WriteFile(ResultsPath, _rows.Values);
            // Beside results.csv, so a stopped sweep keeps the curves of every stitch it kept.
            CurvesTable.WriteFile(CurvesPath, new SweepResults(_folderId, _sweep.Spec, _rows.Values.ToList()));
        }
        return Task.CompletedTask;
    }

    public Task UpsertAnalysisAsync(string sweepId, string stitchId, AnalysisResult analysis, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _analysisRows[CellKey.Of(analysis)] = analysis;
            AnalysisCsv.WriteFile(AnalysisPath, _analysisRows.Values);
        }
        return Task.CompletedTask;
    }

    /// <summary>Nothing to store: every row carries its provenance id, and sweep.json the provenance itself.</summary>
    public Task UpsertProvenanceAsync(Provenance provenance, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<int> OnModelDoneAsync(string sweepId, CancellationToken cancellationToken = default) => Task.FromResult(0);

    public Task<int> FailDependentsAsync(string sweepId, ModelSpec model, string error, CancellationToken cancellationToken = default) => Task.FromResult(0);
}
