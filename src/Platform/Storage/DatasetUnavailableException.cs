using Stitching.Domain.Jobs;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
namespace Stitching.Platform.Storage;

/// <summary>
/// A job's dataset is not in the <c>datasets</c> container, or a file of it does not match its recorded SHA-256.
/// A kind of <see cref="CheckpointUnavailableException"/> because the worker treats it the same way: the job fails at
/// its first delivery (no retry brings the data back), with the message, which names the dataset and the command
/// that uploads it, as its reason.
/// </summary>
public sealed class DatasetUnavailableException(string dataset, string message) : CheckpointUnavailableException(message)
{
    public string Dataset { get; } = dataset;
}
