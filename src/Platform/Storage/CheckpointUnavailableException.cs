using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
namespace Stitching.Platform.Storage;

/// <summary>
/// An input a job needs is missing from blob storage, or its bytes do not match the SHA-256 recorded when it was
/// uploaded: a checkpoint, or a dataset (<see cref="DatasetUnavailableException"/>). Retrying cannot help, so the
/// worker dead-letters the job at once with this message as its reason.
/// </summary>
public class CheckpointUnavailableException(string message) : IOException(message);
