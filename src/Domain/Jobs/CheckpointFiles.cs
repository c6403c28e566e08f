using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Jobs;

/// <summary>
/// The layout of a checkpoint directory, in one place for the job processor (which stores and fetches) and the engine's
/// executor (which writes and reads): <c>models/{key}.bin|.json</c>, <c>stitches/{task id}.bin</c>, <c>progress/{progress id}.bin</c> (a stitch group's or a model's).
/// </summary>
public static class CheckpointFiles
{
    public static string ModelsDirectory(string checkpointDirectory) => Path.Combine(checkpointDirectory, "models");

    public static string ModelFile(string checkpointDirectory, string modelKey, string extension = ".bin") =>
        Path.Combine(ModelsDirectory(checkpointDirectory), StorageIds.Require(modelKey, nameof(modelKey)) + extension);

    /// <summary>Where the executor saves a trained stitch for the processor to store (<see cref="ICheckpointStore.UploadStitchAsync"/>).</summary>
    public static string StitchFile(string checkpointDirectory, StitchTask task) => Path.Combine(checkpointDirectory, "stitches", task.Id + ".bin");

    /// <summary>
    /// The progress id of the stitch group whose first task is <paramref name="first"/>: its stitch id. The engine saves the
    /// group's training state at epoch ends under <see cref="ProgressFile(string, string)"/> and resumes from it.
    /// </summary>
    public static string ProgressId(StitchTask first) => JobIds.ForStitch(first);

    /// <summary>The progress id of a model's training, <c>model-{modelKey}</c>: it resumes from epoch progress as a stitch group does.</summary>
    public static string ModelProgressId(string modelKey) => "model-" + StorageIds.Require(modelKey, nameof(modelKey));

    /// <summary>The local progress file of <paramref name="progressId"/> (<see cref="ProgressId"/>, <see cref="ModelProgressId"/>).</summary>
    public static string ProgressFile(string checkpointDirectory, string progressId) =>
        Path.Combine(checkpointDirectory, "progress", StorageIds.Require(progressId, nameof(progressId)) + ".bin");

    public static string ProgressFile(string checkpointDirectory, StitchTask first) => ProgressFile(checkpointDirectory, ProgressId(first));
}
