using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;

namespace Stitching.Engine.Sweeps;

/// <summary>
/// A local sweep's checkpoints: models stay in the engine's model cache (<see cref="LocalJobExecutor"/> trains or loads
/// them there), and each trained stitch moves from the processor's checkpoint directory into the output folder
/// (<see cref="SweepOutputs.StitchFile"/>), before its result row is stored, as the worker uploads it before its row.
/// Training progress stays where the engine saves it, so a sweep stopped mid-layer resumes from its last saved epoch.
/// </summary>
public sealed class FolderCheckpoints(string outDirectory) : ICheckpointStore
{
    public Task<bool> ModelExistsAsync(string modelKey, CancellationToken cancellationToken = default) => Task.FromResult(false);

    public Task UploadModelAsync(string modelKey, string checkpointDirectory, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task DownloadModelAsync(string modelKey, string checkpointDirectory, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<string> UploadStitchAsync(string sweepId, string stitchId, string file, CancellationToken cancellationToken = default)
    {
        // The executor names the file by the task id (CheckpointFiles.StitchFile); the folder keeps that name as safetensors.
        var target = SweepOutputs.StitchFile(outDirectory, Path.GetFileNameWithoutExtension(file));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        File.Move(file, target, overwrite: true);
        return Task.FromResult(Path.GetRelativePath(outDirectory, target));
    }

    public Task UploadProgressAsync(string sweepId, string progressId, string file, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task<bool> DownloadProgressAsync(string sweepId, string progressId, string file, CancellationToken cancellationToken = default) => Task.FromResult(false);

    public bool IsTransient(Exception exception) => exception is IOException;
}
