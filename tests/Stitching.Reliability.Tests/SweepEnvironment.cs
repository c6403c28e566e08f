using System.Globalization;
using System.Text.Json;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Sweeps;
using Stitching.Platform;
using Stitching.Platform.Coordination;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;

namespace Stitching.Reliability.Tests;

/// <summary>
/// One test's platform on an Azurite account under its own name prefix, the settings its runner processes get,
/// and the checks every fault test ends with. Removes its tables, container and queues afterwards.
/// </summary>
public sealed class SweepEnvironment : IAsyncDisposable
{
    public SweepEnvironment(string connectionString, TimeSpan lockDuration, int maxDeliveries = 5)
    {
        ConnectionString = connectionString;
        Prefix = "r" + Guid.NewGuid().ToString("N")[..12];
        LockDuration = lockDuration;
        MaxDeliveries = maxDeliveries;
        var storage = new StitchingStorageOptions { ConnectionString = connectionString, NamePrefix = Prefix };
        var queue = new JobQueueOptions { Backend = "storage", MaxDeliveries = maxDeliveries, LockDuration = lockDuration, RetryDelay = RetryDelay };
        Platform = StitchingPlatform.Create(storage, queue);
    }

    public string ConnectionString { get; }
    public string Prefix { get; }
    public TimeSpan LockDuration { get; }
    public TimeSpan RetryDelay { get; } = TimeSpan.FromMilliseconds(500);
    public int MaxDeliveries { get; }
    public StitchingPlatform Platform { get; }
    public StorageJobQueue Queue => (StorageJobQueue)Platform.Queue;
    public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("stitching-reliability-").FullName;

    public static async Task<SweepEnvironment> CreateAsync(TimeSpan lockDuration, int maxDeliveries = 5, string? connectionString = null)
    {
        if (connectionString is null) Requirement.AzuriteRunning();
        var env = new SweepEnvironment(connectionString ?? Azurite.ConnectionString, lockDuration, maxDeliveries);
        await env.Platform.CreateIfNotExistsAsync();
        return env;
    }

    /// <summary>Environment variables of a runner process pointed at this platform.</summary>
    public Dictionary<string, string> RunnerSettings(string workerId, int epochMs, int modelMs = 100) => new()
    {
        ["Stitching__Storage__ConnectionString"] = ConnectionString,
        ["Stitching__Storage__NamePrefix"] = Prefix,
        ["Stitching__Queue__Backend"] = "storage",
        ["Stitching__Queue__LockDuration"] = LockDuration.ToString("c"),
        ["Stitching__Queue__RetryDelay"] = RetryDelay.ToString("c"),
        ["Stitching__Queue__MaxDeliveries"] = MaxDeliveries.ToString(CultureInfo.InvariantCulture),
        ["Stitching__Worker__WorkerId"] = workerId,
        ["Stitching__Worker__CheckpointDirectory"] = Path.Combine(WorkDirectory, workerId),
        ["FaultRunner__EpochMs"] = epochMs.ToString(CultureInfo.InvariantCulture),
        ["FaultRunner__ModelMs"] = modelMs.ToString(CultureInfo.InvariantCulture),
    };

    public RunnerProcess StartRunner(string workerId, int epochMs, int modelMs = 100) => RunnerProcess.Start(workerId, RunnerSettings(workerId, epochMs, modelMs));

    public async Task<string> SubmitAsync(SweepSpec spec)
    {
        var submission = await Platform.Coordinator.SubmitAsync(spec);
        Assert.True(submission.Sweep is not null, string.Join("; ", submission.Errors.Select(e => $"{e.Field}: {e.Message}")));
        return submission.Sweep!.Id;
    }

    /// <summary>Polls the sweep until every job is finished; fails with the status and the runners' output at the deadline.</summary>
    public async Task<SweepStatus> WaitFinishedAsync(string sweepId, TimeSpan deadline, params RunnerProcess[] runners)
    {
        var until = DateTime.UtcNow + deadline;
        SweepStatus? status = null;
        while (DateTime.UtcNow < until)
        {
            status = await Platform.Queries.GetStatusAsync(sweepId);
            if (status!.Finished) return status;
            await Task.Delay(250);
        }
        Assert.Fail($"Sweep {sweepId} not finished after {deadline}: {JsonSerializer.Serialize(status, PlatformJsonContext.Default.SweepStatus)}\n"
            + string.Join("\n", runners.Select(r => r.Describe())));
        return status!;
    }

    /// <summary>
    /// The closing check of every fault test: each stitch the plan contains is in exactly one job of the jobs table;
    /// a Done job has exactly one result row per stitch, a Failed one a recorded error; no result row belongs to
    /// anything else. Queued or Running jobs are allowed only in a cancelled sweep.
    /// </summary>
    public async Task AssertEveryStitchAccountedForAsync(string sweepId, bool cancelled = false)
    {
        var sweep = (await Platform.Storage.GetSweepAsync(sweepId))!;
        var planned = SweepPlan.Create(sweep.Spec).Stitches.Select(t => JobIds.ForStitch(t)).ToList();
        var jobs = await Platform.Storage.ListJobsAsync(sweepId).ToListAsync();
        var jobOf = jobs.Where(j => j.Kind == JobKind.Stitch)
            .SelectMany(j => j.Message.Stitches!.Tasks().Select(t => (StitchId: JobIds.ForStitch(t), Job: j))).ToList();
        var results = await Platform.Storage.ListResultsAsync(sweepId).ToListAsync();

        Assert.Equal(planned.Order(), jobOf.Select(x => x.StitchId).Order());
        Assert.Equal(results.Count, results.Select(r => r.StitchId).Distinct().Count());
        Assert.All(results, r => Assert.Contains(r.StitchId, planned));
        var withResult = results.Select(r => r.StitchId).ToHashSet();
        foreach (var (stitchId, job) in jobOf)
        {
            switch (job.State)
            {
                case JobState.Done:
                    Assert.True(withResult.Contains(stitchId), $"{stitchId} of {job.JobId} is Done without a result row");
                    break;
                case JobState.Failed:
                    Assert.False(string.IsNullOrWhiteSpace(job.Error), $"{job.JobId} failed without a recorded error");
                    break;
                case JobState.Cancelled:
                    Assert.True(cancelled, $"{job.JobId} cancelled in a sweep that was not");
                    break;
                default:
                    Assert.True(cancelled, $"{job.JobId} is still {job.State}");
                    break;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Platform.DeleteAsync();
        }
        catch (Exception e) when (StorageFailures.Is(e))
        {
            // A private Azurite may already be gone; its folder goes with it.
        }
        try { Directory.Delete(WorkDirectory, recursive: true); } catch (IOException) { }
    }
}
