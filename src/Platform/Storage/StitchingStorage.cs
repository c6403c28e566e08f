using System.Runtime.CompilerServices;
using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Results;
using Stitching.Platform.Coordination;

using Stitching.Domain.Jobs;

namespace Stitching.Platform.Storage;

/// <summary>
/// The platform's tables. Keys: sweeps (PK "sweep", RK sweepId; PK "active", RK sweepId: which sweeps the recovery pass
/// still has work on), jobs (PK sweepId, RK jobId),
/// results (PK sweepId, RK stitch id), analyses (PK sweepId, RK stitch id: a stitch's <see cref="AnalysisResult"/>), models (PK "models", RK model key). Every query is by partition
/// (Azurite has no secondary indexes either); filters on other columns scan the partition, at the service where
/// the table's filter language can say them, here in memory otherwise.
/// </summary>
public sealed partial class StitchingStorage : ISweepStore
{
    public const string SweepPartition = "sweep";

    /// <summary>
    /// The sweeps table's index of unfinished sweeps, one small row per sweep (CreatedAt, Open): the recovery pass asks
    /// for the Open ones only, so it reads O(active sweeps) rows however many finished ones the table holds. A finished
    /// sweep's row is closed (Open = false), not deleted: no component deletes anything (the offline SAS grant no 'd').
    /// </summary>
    public const string ActivePartition = "active";

    /// <summary>Where the row lives that says the index was built once from the sweeps written before it existed.</summary>
    private const string MetaPartition = "meta";
    private const string ActiveIndexBuilt = "active-index-built";
    public const string ModelPartition = "models";

    /// <summary>The models table's partition of <see cref="Provenance"/> records, keyed by <see cref="Provenance.Id"/>.</summary>
    public const string ProvenancePartition = "provenance";
    /// <summary>A table transaction holds at most 100 operations, all in one partition.</summary>
    public const int MaxBatch = 100;
    /// <summary>Table transactions sent at once when writing many job rows.</summary>
    private const int TransactionsInFlight = 16;

    private readonly TableServiceClient _service;
    private readonly string _prefix;

    public StitchingStorage(TableServiceClient service, string namePrefix = "")
    {
        _service = service;
        _prefix = namePrefix;
        Sweeps = service.GetTableClient(namePrefix + "sweeps");
        Jobs = service.GetTableClient(namePrefix + "jobs");
        Results = service.GetTableClient(namePrefix + "results");
        Models = service.GetTableClient(namePrefix + "models");
        Analyses = service.GetTableClient(namePrefix + "analyses");
    }

    public TableClient Sweeps { get; }
    public TableClient Jobs { get; }
    public TableClient Results { get; }
    public TableClient Models { get; }
    public TableClient Analyses { get; }

    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        foreach (var table in new[] { Sweeps, Jobs, Results, Models, Analyses })
            await table.CreateIfNotExistsAsync(cancellationToken);
    }

    // ---- sweeps

    /// <summary>
    /// The index row first: a submitter that dies between the two writes leaves an index row without a sweep, which the
    /// recovery pass drops, rather than a Planning sweep the pass would never see.
    /// </summary>
    public async Task AddSweepAsync(SweepRecord sweep, CancellationToken cancellationToken = default)
    {
        await MarkActiveAsync(sweep.Id, sweep.CreatedAt, cancellationToken);
        await Sweeps.AddEntityAsync(ToEntity(sweep), cancellationToken);
    }

    /// <summary>Puts a sweep (back) in the recovery pass's index: at submission, and when a retry re-queues its jobs.</summary>
    public Task MarkActiveAsync(string sweepId, DateTimeOffset createdAt, CancellationToken cancellationToken = default) =>
        Sweeps.UpsertEntityAsync(new TableEntity(ActivePartition, StorageIds.Require(sweepId, nameof(sweepId))) { ["CreatedAt"] = createdAt, ["Open"] = true },
            TableUpdateMode.Replace, cancellationToken);

    /// <summary>The index of unfinished sweeps; each row's ETag lets <see cref="RemoveActiveAsync"/> lose to a retry that re-marked it.</summary>
    public async IAsyncEnumerable<(string SweepId, DateTimeOffset CreatedAt, ETag ETag)> ListActiveSweepsAsync(
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var e in Sweeps.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {ActivePartition} and Open eq {true}"), cancellationToken: cancellationToken))
            yield return (e.RowKey, e.GetDateTimeOffset("CreatedAt") ?? default, e.ETag);
    }

    /// <summary>Closes a sweep's index row, unless it changed since <paramref name="etag"/> was read (a retry re-marked it); false then.</summary>
    public async Task<bool> RemoveActiveAsync(string sweepId, ETag etag, CancellationToken cancellationToken = default)
    {
        try
        {
            await Sweeps.UpdateEntityAsync(new TableEntity(ActivePartition, StorageIds.Require(sweepId, nameof(sweepId))) { ["Open"] = false },
                etag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return false;
        }
    }

    /// <summary>
    /// Once per storage account: indexes the Active and Planning sweeps written before the index existed (a full read of
    /// the sweeps partition, then a marker row), so an upgraded deployment's running sweeps keep their recovery.
    /// </summary>
    public async Task BuildActiveIndexOnceAsync(CancellationToken cancellationToken = default)
    {
        if ((await Sweeps.GetEntityIfExistsAsync<TableEntity>(MetaPartition, ActiveIndexBuilt, select: ["RowKey"], cancellationToken: cancellationToken)).HasValue) return;
        await foreach (var sweep in ListSweepsAsync(cancellationToken))
            if (sweep.State != SweepState.Cancelled) await MarkActiveAsync(sweep.Id, sweep.CreatedAt, cancellationToken);
        await Sweeps.UpsertEntityAsync(new TableEntity(MetaPartition, ActiveIndexBuilt) { ["At"] = DateTimeOffset.UtcNow }, TableUpdateMode.Replace, cancellationToken);
    }

    public async Task<SweepRecord?> GetSweepAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var row = await Sweeps.GetEntityIfExistsAsync<TableEntity>(SweepPartition, StorageIds.Require(sweepId, nameof(sweepId)), cancellationToken: cancellationToken);
        return row.HasValue ? ToSweep(row.Value!) : null;
    }

    public IAsyncEnumerable<SweepRecord> ListSweepsAsync(CancellationToken cancellationToken = default) =>
        ListSweepsAsync(null, null, null, cancellationToken);

    /// <summary>
    /// The sweeps in <paramref name="state"/>, created about between <paramref name="createdFrom"/> and
    /// <paramref name="createdTo"/>, in no useful order (random ids). The service filters, so fewer rows travel; its
    /// time bounds are a second wider than asked, since a stored time may come back at another precision than the
    /// bound's, so callers compare exactly on what they read.
    /// </summary>
    public async IAsyncEnumerable<SweepRecord> ListSweepsAsync(SweepState? state, DateTimeOffset? createdFrom, DateTimeOffset? createdTo,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {SweepPartition}");
        if (state is { } s) filter += " and " + TableClient.CreateQueryFilter($"State eq {s.ToString()}");
        // Tables keep times from 1601 on; a bound outside that range filters nothing anyway.
        if (createdFrom is { Year: > 1601 } from) filter += " and " + TableClient.CreateQueryFilter($"CreatedAt ge {from.AddSeconds(-1)}");
        if (createdTo is { Year: > 1601 and < 9999 } to) filter += " and " + TableClient.CreateQueryFilter($"CreatedAt le {to.AddSeconds(1)}");
        await foreach (var e in Sweeps.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
            yield return ToSweep(e);
    }

    /// <summary>Planning to Active, only if nobody changed the row in between (e.g. a cancel); false otherwise.</summary>
    public async Task<bool> TryActivateSweepAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var row = await Sweeps.GetEntityIfExistsAsync<TableEntity>(SweepPartition, StorageIds.Require(sweepId, nameof(sweepId)), cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value!.GetString("State") != nameof(SweepState.Planning)) return false;
        try
        {
            await Sweeps.UpdateEntityAsync(new TableEntity(SweepPartition, sweepId) { ["State"] = nameof(SweepState.Active) }, row.Value.ETag, TableUpdateMode.Merge, cancellationToken);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return false;
        }
    }

    public Task SetSweepStateAsync(string sweepId, SweepState state, CancellationToken cancellationToken = default) =>
        Sweeps.UpdateEntityAsync(new TableEntity(SweepPartition, StorageIds.Require(sweepId, nameof(sweepId))) { ["State"] = state.ToString() },
            ETag.All, TableUpdateMode.Merge, cancellationToken);

    // ---- jobs

    /// <summary>
    /// Writes Queued rows in transactions of at most <see cref="MaxBatch"/> (one sweep = one partition), several in
    /// flight. Upserts, so a planning pass that died halfway can simply run again (nothing else writes a sweep's
    /// rows while it is Planning).
    /// </summary>
    public Task AddJobsAsync(IEnumerable<JobMessage> messages, CancellationToken cancellationToken = default) =>
        SubmitJobTransactionsAsync(messages,
            m => new TableTransactionAction(TableTransactionActionType.UpsertReplace, ToEntity(new JobRow(m, JobState.Queued, 0, false))), cancellationToken);

    public async Task<JobRow?> GetJobAsync(string sweepId, string jobId, CancellationToken cancellationToken = default)
    {
        var row = await Jobs.GetEntityIfExistsAsync<TableEntity>(StorageIds.Require(sweepId, nameof(sweepId)), StorageIds.Require(jobId, nameof(jobId)), cancellationToken: cancellationToken);
        return row.HasValue ? ToJob(row.Value!) : null;
    }

    public async IAsyncEnumerable<JobRow> ListJobsAsync(string sweepId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pk = StorageIds.Require(sweepId, nameof(sweepId));
        await foreach (var e in Jobs.QueryAsync<TableEntity>(e => e.PartitionKey == pk, cancellationToken: cancellationToken))
            yield return ToJob(e);
    }

    /// <summary>Replaces the row if nobody changed it since it was read; false when another writer won.</summary>
    public async Task<JobRow?> TryUpdateJobAsync(JobRow row, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await Jobs.UpdateEntityAsync(ToEntity(row), VersionOf(row), TableUpdateMode.Replace, cancellationToken);
            return row with { ETag = response.Headers.ETag?.ToString() };
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return null;
        }
    }

    /// <summary>
    /// Read-modify-write with ETag retries: <paramref name="change"/> sees the current row and returns the new one,
    /// or null to leave it. Returns the stored row, or null when the job does not exist or nothing was changed.
    /// </summary>
    public async Task<JobRow?> UpdateJobAsync(string sweepId, string jobId, Func<JobRow, JobRow?> change, CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var current = await GetJobAsync(sweepId, jobId, cancellationToken);
            if (current is null || change(current) is not { } next) return null;
            if (await TryUpdateJobAsync(next with { ETag = current.ETag }, cancellationToken) is { } stored) return stored;
        }
        throw new InvalidOperationException($"Job {jobId} kept changing under five attempts to update it.");
    }

    /// <summary>
    /// Replaces each row if nobody changed it since it was read, as <see cref="TryUpdateJobAsync"/> does one by one, but
    /// in ETag-conditional transactions of up to <see cref="MaxBatch"/> (several in flight): cancelling a 5,000-job sweep
    /// or claiming a fan-out's rows is 50 requests, not 5,000. A transaction is all or nothing, so one that fails on a
    /// changed row is retried row by row. Returns the rows stored, with their new ETags where the service returned them.
    /// </summary>
    public async Task<IReadOnlyList<JobRow>> TryUpdateJobsAsync(IReadOnlyList<JobRow> rows, CancellationToken cancellationToken = default)
    {
        var stored = new System.Collections.Concurrent.ConcurrentBag<JobRow>();
        await Parallel.ForEachAsync(rows.Chunk(MaxBatch), new ParallelOptions { MaxDegreeOfParallelism = TransactionsInFlight, CancellationToken = cancellationToken },
            async (chunk, ct) =>
            {
                try
                {
                    var response = await Jobs.SubmitTransactionAsync(
                        chunk.Select(r => new TableTransactionAction(TableTransactionActionType.UpdateReplace, ToEntity(r), VersionOf(r))), ct);
                    for (var k = 0; k < chunk.Length; k++) stored.Add(chunk[k] with { ETag = response.Value[k].Headers.ETag?.ToString() });
                }
                catch (TableTransactionFailedException e) when (e.Status is 412 or 404)
                {
                    foreach (var row in chunk)
                        if (await TryUpdateJobAsync(row, ct) is { } one) stored.Add(one);
                }
            });
        return stored.ToList();
    }

    /// <summary>Records that jobs were handed to the queue, so a retried fan-out skips them.</summary>
    public Task MarkSentAsync(string sweepId, IEnumerable<string> jobIds, CancellationToken cancellationToken = default) =>
        SubmitJobTransactionsAsync(jobIds,
            id => new TableTransactionAction(TableTransactionActionType.UpdateMerge, new TableEntity(sweepId, id) { ["Sent"] = true }), cancellationToken);

    /// <summary>One action per item, in transactions of at most <see cref="MaxBatch"/>, <see cref="TransactionsInFlight"/> at once.</summary>
    private Task SubmitJobTransactionsAsync<T>(IEnumerable<T> items, Func<T, TableTransactionAction> action, CancellationToken cancellationToken) =>
        Parallel.ForEachAsync(items.Chunk(MaxBatch), new ParallelOptions { MaxDegreeOfParallelism = TransactionsInFlight, CancellationToken = cancellationToken },
            async (chunk, ct) => await Jobs.SubmitTransactionAsync(chunk.Select(action), ct));

    // ---- results and models

    /// <summary>
    /// Upsert keyed by stitch id (<see cref="JobIds.ForStitch"/>): a duplicate delivery rewrites the same row instead of adding a second.
    /// The curve is thinned first (<see cref="TrainingCurve.Thin"/>), so the record stays far below a property's 64 KB.
    /// </summary>
    public Task UpsertResultAsync(string sweepId, StoredResult stored, CancellationToken cancellationToken = default)
    {
        var result = stored.Result with { Curve = TrainingCurve.Thin(stored.Result.Curve) };
        return Results.UpsertEntityAsync(new TableEntity(StorageIds.Require(sweepId, nameof(sweepId)), StorageIds.Require(stored.StitchId, "stitchId"))
        {
            ["Variant"] = result.Variant,
            ["SenderArch"] = result.SenderArch,
            ["SenderLayer"] = result.SenderLayer,
            ["ReceiverArch"] = result.ReceiverArch,
            ["ReceiverLayer"] = result.ReceiverLayer,
            ["Accuracy"] = result.Accuracy,
            ["Loss"] = result.Loss,
            ["Runner"] = stored.Runner,
            ["Checkpoint"] = stored.Checkpoint,
            ["ProvenanceId"] = result.ProvenanceId,
            // The record is the source of truth when read back, so fields the engine adds later survive.
            ["Json"] = JsonSerializer.Serialize(result, PlatformJsonContext.Default.StitchResult),
        }, TableUpdateMode.Replace, cancellationToken);
    }

    /// <summary>Whether a stitch's result is stored: a retried job skips the stitches its earlier delivery finished.</summary>
    public async Task<bool> HasResultAsync(string sweepId, string stitchId, CancellationToken cancellationToken = default) =>
        (await Results.GetEntityIfExistsAsync<TableEntity>(StorageIds.Require(sweepId, nameof(sweepId)), StorageIds.Require(stitchId, nameof(stitchId)),
            select: ["RowKey"], cancellationToken: cancellationToken)).HasValue;

    public async IAsyncEnumerable<StoredResult> ListResultsAsync(string sweepId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pk = StorageIds.Require(sweepId, nameof(sweepId));
        await foreach (var e in Results.QueryAsync<TableEntity>(e => e.PartitionKey == pk, cancellationToken: cancellationToken))
            yield return ToResult(e);
    }

    /// <summary>One result row by stitch id, with the provenance record its row refers to; null when it is not stored (yet).</summary>
    public async Task<StoredResult?> GetResultAsync(string sweepId, string stitchId, CancellationToken cancellationToken = default)
    {
        var row = await Results.GetEntityIfExistsAsync<TableEntity>(StorageIds.Require(sweepId, nameof(sweepId)), StorageIds.Require(stitchId, nameof(stitchId)),
            cancellationToken: cancellationToken);
        if (!row.HasValue) return null;
        var stored = ToResult(row.Value!);
        return stored.Result.ProvenanceId is { Length: > 0 } id ? stored with { Provenance = await GetProvenanceAsync(id, cancellationToken) } : stored;
    }

    /// <summary>
    /// Writes a run's provenance record once per process: every row it produced carries only its id. The record is keyed
    /// by a hash of its content, so a duplicate write (another process of the same build on the same machine) changes nothing.
    /// </summary>
    public async Task UpsertProvenanceAsync(Provenance provenance, CancellationToken cancellationToken = default)
    {
        var id = provenance.Id;
        if (_provenanceWritten.ContainsKey(id)) return;
        await Models.UpsertEntityAsync(new TableEntity(ProvenancePartition, id)
        {
            ["Json"] = JsonSerializer.Serialize(provenance, PlatformJsonContext.Default.Provenance),
        }, TableUpdateMode.Replace, cancellationToken);
        _provenanceWritten.TryAdd(id, true);
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _provenanceWritten = new();

    /// <summary>A provenance record by id; null when none is stored under it.</summary>
    public async Task<Provenance?> GetProvenanceAsync(string provenanceId, CancellationToken cancellationToken = default)
    {
        var row = await Models.GetEntityIfExistsAsync<TableEntity>(ProvenancePartition, StorageIds.Require(provenanceId, nameof(provenanceId)), cancellationToken: cancellationToken);
        return row.HasValue ? JsonSerializer.Deserialize(row.Value!.GetString("Json"), PlatformJsonContext.Default.Provenance) : null;
    }

    /// <summary>A stitch's analysis row, keyed like its result (<see cref="JobIds.ForStitch"/>): a duplicate delivery rewrites it.</summary>
    public Task UpsertAnalysisAsync(string sweepId, string stitchId, AnalysisResult analysis, CancellationToken cancellationToken = default) =>
        Analyses.UpsertEntityAsync(new TableEntity(StorageIds.Require(sweepId, nameof(sweepId)), StorageIds.Require(stitchId, nameof(stitchId)))
        {
            ["Variant"] = analysis.Variant,
            ["SenderLayer"] = analysis.SenderLayer,
            ["ReceiverLayer"] = analysis.ReceiverLayer,
            ["Json"] = JsonSerializer.Serialize(analysis, PlatformJsonContext.Default.AnalysisResult),
        }, TableUpdateMode.Replace, cancellationToken);

    /// <summary>A sweep's analysis rows, one per stitch whose job ran analyses.</summary>
    public async IAsyncEnumerable<AnalysisResult> ListAnalysesAsync(string sweepId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pk = StorageIds.Require(sweepId, nameof(sweepId));
        await foreach (var e in Analyses.QueryAsync<TableEntity>(e => e.PartitionKey == pk, cancellationToken: cancellationToken))
            yield return JsonSerializer.Deserialize(e.GetString("Json"), PlatformJsonContext.Default.AnalysisResult)!;
    }

    public async Task<ModelResult?> GetModelAsync(string modelKey, CancellationToken cancellationToken = default)
    {
        var row = await Models.GetEntityIfExistsAsync<TableEntity>(ModelPartition, StorageIds.Require(modelKey, nameof(modelKey)), cancellationToken: cancellationToken);
        return row.HasValue ? JsonSerializer.Deserialize(row.Value!.GetString("Json"), PlatformJsonContext.Default.ModelResult) : null;
    }

    public Task UpsertModelAsync(string modelKey, ModelResult model, CancellationToken cancellationToken = default) =>
        Models.UpsertEntityAsync(new TableEntity(ModelPartition, StorageIds.Require(modelKey, nameof(modelKey)))
        {
            ["Arch"] = model.Arch,
            ["Accuracy"] = model.Accuracy,
            ["Json"] = JsonSerializer.Serialize(model, PlatformJsonContext.Default.ModelResult),
        }, TableUpdateMode.Replace, cancellationToken);

    // ---- mapping

    private static TableEntity ToEntity(SweepRecord s) => new(SweepPartition, StorageIds.Require(s.Id, nameof(s.Id)))
    {
        ["Name"] = s.Name,
        ["CreatedAt"] = s.CreatedAt,
        ["State"] = s.State.ToString(),
        ["ModelJobs"] = s.ModelJobs,
        ["StitchJobs"] = s.StitchJobs,
        ["Stitches"] = s.Stitches,
        ["Spec"] = JsonSerializer.Serialize(s.Spec, PlatformJsonContext.Default.SweepSpec),
    };

    private static SweepRecord ToSweep(TableEntity e) => new(
        e.RowKey,
        e.GetString("Name"),
        // The reflection reader: a key added since the row was written takes the record's default (the generated one
        // would make it 0 or null: a missing stitch.patience read as 0 turned early stopping off).
        JsonSerializer.Deserialize(e.GetString("Spec"), SweepSpecJson.StoredTypeInfo)!,
        e.GetDateTimeOffset("CreatedAt") ?? default,
        Enum.Parse<SweepState>(e.GetString("State")),
        e.GetInt32("ModelJobs") ?? 0,
        e.GetInt32("StitchJobs") ?? 0,
        e.GetInt32("Stitches") ?? 0);

    private static StoredResult ToResult(TableEntity e) =>
        new(e.RowKey, JsonSerializer.Deserialize(e.GetString("Json"), PlatformJsonContext.Default.StitchResult)!, e.GetString("Runner"), e.GetString("Checkpoint"));


    private static TableEntity ToEntity(JobRow j) => new(StorageIds.Require(j.SweepId, "sweepId"), StorageIds.Require(j.JobId, "jobId"))
    {
        ["Kind"] = j.Kind,
        ["State"] = j.State.ToString(),
        ["Attempts"] = j.Attempts,
        ["Sent"] = j.Sent,
        ["Error"] = j.Error is { Length: > 30_000 } text ? text[..30_000] : j.Error, // a table string holds 32K UTF-16 chars
        ["ClaimedBy"] = j.ClaimedBy,
        ["LeaseUntil"] = j.LeaseUntil,
        ["SendingUntil"] = j.SendingUntil,
        ["Message"] = JsonSerializer.Serialize(j.Message, PlatformJsonContext.Default.JobMessage),
    };

    private static JobRow ToJob(TableEntity e) => new(
        JsonSerializer.Deserialize(e.GetString("Message"), PlatformJsonContext.Default.JobMessage)!,
        Enum.Parse<JobState>(e.GetString("State")),
        e.GetInt32("Attempts") ?? 0,
        e.GetBoolean("Sent") ?? false,
        e.GetString("Error"),
        e.GetString("ClaimedBy"),
        e.GetDateTimeOffset("LeaseUntil"),
        e.ETag.ToString(),
        e.GetDateTimeOffset("SendingUntil"));

    /// <summary>The row's ETag as the table service takes it (a domain row carries it as an opaque string).</summary>
    private static ETag VersionOf(JobRow row) => row.ETag is null ? default : new ETag(row.ETag);
}
