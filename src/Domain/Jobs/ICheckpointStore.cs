using Stitching.Domain.Contracts;

namespace Stitching.Domain.Jobs;

/// <summary>
/// Where a job processor keeps what the engine writes under its checkpoint directory (<see cref="CheckpointFiles"/>):
/// models shared by every sweep, each trained stitch, and a stitch group's training progress while it trains. The
/// platform keeps them in a blob container; a local sweep keeps models in its model cache and stitches in its folder.
/// </summary>
public interface ICheckpointStore
{
    Task<bool> ModelExistsAsync(string modelKey, CancellationToken cancellationToken = default);
    /// <summary>Stores the model files the engine wrote under <paramref name="checkpointDirectory"/>.</summary>
    Task UploadModelAsync(string modelKey, string checkpointDirectory, CancellationToken cancellationToken = default);
    /// <summary>Makes the model's files present under <paramref name="checkpointDirectory"/> for the engine to read.</summary>
    Task DownloadModelAsync(string modelKey, string checkpointDirectory, CancellationToken cancellationToken = default);
    /// <summary>Stores a trained stitch's file; returns the name its result row carries.</summary>
    Task<string> UploadStitchAsync(string sweepId, string stitchId, string file, CancellationToken cancellationToken = default);
    /// <summary>Stores training progress (a stitch group's or a model's, <see cref="CheckpointFiles.ProgressId"/>, <see cref="CheckpointFiles.ModelProgressId"/>).</summary>
    Task UploadProgressAsync(string sweepId, string progressId, string file, CancellationToken cancellationToken = default);
    /// <summary>Puts stored progress at <paramref name="file"/>; false when none was stored.</summary>
    Task<bool> DownloadProgressAsync(string sweepId, string progressId, string file, CancellationToken cancellationToken = default);
    /// <summary>
    /// A failure of the services behind this store and its platform's queue and tables that a job outlives (the next
    /// progress upload or lock renewal tries again), as opposed to a bug.
    /// </summary>
    bool IsTransient(Exception exception);
}
