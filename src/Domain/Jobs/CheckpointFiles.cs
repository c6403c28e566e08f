using Stitching.Domain.Contracts;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Jobs;

/// <summary>
/// The layout of a checkpoint directory, in one place for the job processor (which stores and fetches) and the engine's
/// executor (which writes and reads): <c>models/{key}.bin|.json</c>, <c>stitches/{task id}.bin</c>, <c>progress/{stitch id}.bin</c>.
/// </summary>
public static class CheckpointFiles
{
    public static string ModelsDirectory(string checkpointDirectory) => Path.Combine(checkpointDirectory, "models");

    public static string ModelFile(string checkpointDirectory, string modelKey, string extension = ".bin") =>
        Path.Combine(ModelsDirectory(checkpointDirectory), StorageIds.Require(modelKey, nameof(modelKey)) + extension);

    /// <summary>Where the executor saves a trained stitch for the processor to store (<see cref="ICheckpointStore.UploadStitchAsync"/>).</summary>
    public static string StitchFile(string checkpointDirectory, StitchTask task) => Path.Combine(checkpointDirectory, "stitches", task.Id + ".bin");

    /// <summary>
    /// The progress file of the stitch group whose first task is <paramref name="first"/>: the engine saves the group's
    /// training state there at epoch ends and resumes from it.
    /// </summary>
    public static string ProgressFile(string checkpointDirectory, StitchTask first) =>
        Path.Combine(checkpointDirectory, "progress", JobIds.ForStitch(first) + ".bin");
}
