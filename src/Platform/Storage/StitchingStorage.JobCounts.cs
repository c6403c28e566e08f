using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using Stitching.Domain.Jobs;
using Stitching.Domain.Contracts;

namespace Stitching.Platform.Storage;

/// <summary>A job row without its message: what a sweep's status counts (<c>SweepQueries.GetStatusAsync</c>).</summary>
public sealed record JobCountRow(string JobId, string Kind, JobState State, int Attempts, string? Error);

public sealed partial class StitchingStorage
{
    private static readonly string[] CountColumns = ["RowKey", "Kind", "State", "Attempts", "Error"];

    /// <summary>
    /// Every job row of a sweep, without the message: a status of a 5,000-job sweep read whole rows (each a JSON message
    /// that was parsed) and took 12 s on Azurite here; these columns are all that counting needs.
    /// </summary>
    public async IAsyncEnumerable<JobCountRow> ListJobCountRowsAsync(string sweepId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pk = StorageIds.Require(sweepId, nameof(sweepId));
        await foreach (var e in Jobs.QueryAsync<TableEntity>(e => e.PartitionKey == pk, select: CountColumns, cancellationToken: cancellationToken))
            yield return new JobCountRow(e.RowKey, e.GetString("Kind"), Enum.Parse<JobState>(e.GetString("State")),
                e.GetInt32("Attempts") ?? 0, e.GetString("Error"));
    }

    /// <summary>A sweep's model job rows, whole: their row keys are <c>model-{key}</c> (<see cref="JobIds.ForModel"/>), one small range.</summary>
    public async IAsyncEnumerable<JobRow> ListModelJobsAsync(string sweepId, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var pk = StorageIds.Require(sweepId, nameof(sweepId));
        // "model." is the first key after every "model-..." one ('.' follows '-').
        await foreach (var e in Jobs.QueryAsync<TableEntity>(e => e.PartitionKey == pk && e.RowKey.CompareTo("model-") >= 0 && e.RowKey.CompareTo("model.") < 0,
                           cancellationToken: cancellationToken))
            yield return ToJob(e);
    }
}
