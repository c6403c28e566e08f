using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Coordination;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Tests;

/// <summary>
/// The recovery timer's pass costs O(active sweeps): finished, failed and cancelled sweeps leave its index, and a pass
/// reads only what the index names. What a pass reads is observed on the wire (the tables' HTTP requests), on Azurite.
/// </summary>
public sealed partial class RecoveryScopeTests
{
    [AzuriteFact]
    public async Task After_one_pass_the_timer_reads_only_the_active_sweeps_however_many_finished_ones_exist()
    {
        // Given 2 active sweeps and 30 finished ones: 10 all done, 10 all failed, 10 cancelled with their rows still queued
        await using var env = await TestPlatform.CreateAsync();
        var requests = new RequestLog();
        var options = new TableClientOptions();
        options.AddPolicy(requests, HttpPipelinePosition.PerCall);
        var storage = new StitchingStorage(new TableServiceClient(Azurite.ConnectionString, options), env.NamePrefix);
        var coordinator = new SweepCoordinator(storage, env.Platform.Queue);
        var active = new[] { await AddSweepAsync(storage, null), await AddSweepAsync(storage, null) };
        var finished = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            finished.Add(await AddSweepAsync(storage, JobState.Done));
            finished.Add(await AddSweepAsync(storage, JobState.Failed));
            var cancelled = await AddSweepAsync(storage, null);
            await coordinator.Control.CancelAsync(cancelled);
            finished.Add(cancelled);
        }

        // When the timer runs once (which settles the cancelled rows and drops the finished sweeps), then again
        await coordinator.Recovery.RecoverAsync();
        foreach (var id in finished) Assert.DoesNotContain(await storage.ListJobsAsync(id).ToListAsync(), j => j.State == JobState.Queued);
        requests.Clear();
        await coordinator.Recovery.RecoverAsync();

        // Then the second pass lists the jobs of, and reads the rows of, the 2 active sweeps only, and never lists all sweeps
        Assert.Equal(active.Order(), requests.JobPartitionsListed().Order());
        Assert.Equal(active.Order(), requests.SweepRowsRead().Order());
        Assert.DoesNotContain(requests.Urls, u => u.Contains($"PartitionKey eq '{StitchingStorage.SweepPartition}'"));
        Assert.Equal(2, (await storage.ListActiveSweepsAsync().ToListAsync()).Count);
    }

    [AzuriteFact]
    public async Task A_retried_sweep_returns_to_the_timers_index_and_a_sweep_row_never_written_leaves_it()
    {
        // Given a finished sweep with a failed job, out of the index after a pass, and an index row whose submitter
        // died before writing its sweep, older than the planning takeover
        await using var env = await TestPlatform.CreateAsync();
        var storage = env.Platform.Storage;
        var failed = await AddSweepAsync(storage, JobState.Failed);
        await storage.MarkActiveAsync("orphan", DateTimeOffset.UtcNow - env.Platform.Coordinator.PlanningTakeover - TimeSpan.FromMinutes(1));
        await env.Platform.Coordinator.Recovery.RecoverAsync();
        Assert.Empty(await storage.ListActiveSweepsAsync().ToListAsync());

        // When the failed jobs are retried
        await env.Platform.Coordinator.Control.RetryAsync(failed, new HashSet<JobState> { JobState.Failed });

        // Then the sweep is back in the index, so the timer looks after it again
        Assert.Equal([failed], (await storage.ListActiveSweepsAsync().ToListAsync()).Select(a => a.SweepId));
    }

    /// <summary>A sweep of 10 synthetic model jobs, all in <paramref name="state"/> (null: left queued).</summary>
    private static async Task<string> AddSweepAsync(StitchingStorage storage, JobState? state)
    {
        var id = StorageIds.NewSweepId();
        var spec = new SweepSpec { Name = "scope", Senders = ["resnet(1,1,1,1)"], Receivers = ["resnet(1,1,1,1)"] };
        await storage.AddSweepAsync(new SweepRecord(id, "scope", spec, DateTimeOffset.UtcNow, SweepState.Active, 10, 0));
        await storage.AddJobsAsync(Enumerable.Range(0, 10).Select(i => new JobMessage(id, $"job-{i}", JobKind.Model,
            Model: new ModelSpec("resnet(1,1,1,1)", 1, "fashion-mnist", i, true, 1000, new TrainSettings()))));
        if (state is { } s)
        {
            var rows = await storage.ListJobsAsync(id).ToListAsync();
            Assert.Equal(10, (await storage.TryUpdateJobsAsync(rows.Select(r => r with { State = s, Sent = true }).ToList())).Count);
        }
        return id;
    }

    /// <summary>Every table request's decoded URL.</summary>
    private sealed class RequestLog : HttpPipelineSynchronousPolicy
    {
        private readonly ConcurrentQueue<string> _urls = new();
        public IReadOnlyCollection<string> Urls => _urls;
        public void Clear() => _urls.Clear();
        public override void OnSendingRequest(HttpMessage message) => _urls.Enqueue(Uri.UnescapeDataString(message.Request.Uri.ToString()));

        public IEnumerable<string> JobPartitionsListed() =>
            _urls.Where(u => u.Contains("jobs()")).Select(u => PartitionFilter().Match(u)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct();

        public IEnumerable<string> SweepRowsRead() =>
            _urls.Select(u => SweepRow().Match(u)).Where(m => m.Success).Select(m => m.Groups[1].Value).Distinct();
    }

    [GeneratedRegex(@"PartitionKey eq '([^']+)'")]
    private static partial Regex PartitionFilter();

    [GeneratedRegex(@"sweeps\(PartitionKey='sweep',RowKey='([^']+)'\)")]
    private static partial Regex SweepRow();
}
