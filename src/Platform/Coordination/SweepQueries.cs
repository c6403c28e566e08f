using Stitching.Domain.Contracts;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Coordination;

/// <summary>
/// What the API and the CLI read about sweeps: one sweep's status (job counts, failures, near-chance warnings) and the
/// sweep listing. Reads only; what changes a sweep (submission, fan-out, cancel, retry) is <see cref="SweepCoordinator"/>'s,
/// and what the timer does is its recovery pass.
/// </summary>
public sealed class SweepQueries(StitchingStorage storage)
{
    public async Task<SweepStatus?> GetStatusAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var sweep = await storage.GetSweepAsync(sweepId, cancellationToken);
        if (sweep is null) return null;
        var counts = new Dictionary<JobState, int>();
        var failures = new List<JobFailure>();
        var trained = new List<ModelSpec>();
        // Counted from the rows without their messages; only the few model rows are read whole, for their specs.
        await foreach (var job in storage.ListJobCountRowsAsync(sweepId, cancellationToken))
        {
            counts[job.State] = counts.GetValueOrDefault(job.State) + 1;
            if (job.State == JobState.Failed) failures.Add(new JobFailure(job.JobId, job.Kind, job.Error ?? "", job.Attempts));
        }
        await foreach (var job in storage.ListModelJobsAsync(sweepId, cancellationToken))
            if (job.Message.Model is { Trained: true } model) trained.Add(model);
        // Whatever the job's state: another sweep may have trained the same model (same key) already.
        var warnings = new List<string>();
        foreach (var model in trained)
            if (await storage.GetModelAsync(model.Key, cancellationToken) is { } result && NearChance.Warning(result) is { } warning)
                warnings.Add($"{warning} Train longer (model.epochs) or on more images (trainLimit).");
        // While Planning not every row exists yet: the missing ones count as queued.
        var total = Math.Max(counts.Values.Sum(), sweep.TotalJobs);
        var queued = counts.GetValueOrDefault(JobState.Queued) + total - counts.Values.Sum();
        var cancelled = counts.GetValueOrDefault(JobState.Cancelled);
        // A cancelled sweep's queued rows are marked by the recovery pass, not by the cancel: they will never run.
        if (sweep.State == SweepState.Cancelled) (cancelled, queued) = (cancelled + queued, 0);
        var finished = counts.GetValueOrDefault(JobState.Done) + counts.GetValueOrDefault(JobState.Failed) + cancelled;
        return new SweepStatus(sweep.Id, sweep.Name, sweep.State, sweep.CreatedAt, total,
            queued, counts.GetValueOrDefault(JobState.Running), counts.GetValueOrDefault(JobState.Done),
            counts.GetValueOrDefault(JobState.Failed), cancelled,
            total == 0 ? 1 : (double)finished / total, finished == total && sweep.State != SweepState.Planning, failures)
        {
            Tags = sweep.Spec.Tags, Description = sweep.Spec.Description, Warnings = warnings,
        };
    }

    /// <summary>Every sweep, newest first.</summary>
    public async Task<IReadOnlyList<SweepSummary>> ListAsync(CancellationToken cancellationToken = default)
    {
        var list = await storage.ListSweepsAsync(cancellationToken).ToListAsync(cancellationToken);
        list.Sort(SweepListQuery.NewestFirst);
        return list.Select(SweepSummary.Of).ToList();
    }

    /// <summary>
    /// One page of the sweeps that <paramref name="query"/> selects, newest first, and the token for the next page.
    /// Each page reads the matching rows older than its position (the table cannot sort by time): fine for the
    /// thousands of sweeps a research group submits.
    /// </summary>
    public async Task<SweepPage> ListPageAsync(SweepListQuery query, CancellationToken cancellationToken = default)
    {
        var matches = new List<SweepRecord>();
        await foreach (var s in storage.ListSweepsAsync(query.State, query.Since, query.After?.CreatedAt, cancellationToken))
            if (query.Matches(s)) matches.Add(s);
        matches.Sort(SweepListQuery.NewestFirst);
        var page = matches.Take(query.PageSize).ToList();
        return new SweepPage(page.Select(SweepSummary.Of).ToList(), matches.Count > page.Count ? SweepListQuery.Continuation(page[^1]) : null);
    }
}
