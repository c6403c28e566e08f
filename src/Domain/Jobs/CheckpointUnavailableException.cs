using Stitching.Domain.Jobs;
namespace Stitching.Domain.Jobs;

/// <summary>
/// An input a job needs is missing from its store, or its bytes do not match the SHA-256 recorded when it was
/// stored: a checkpoint, or a dataset (the platform's DatasetUnavailableException). Retrying cannot help, so the
/// worker dead-letters the job at once with this message as its reason.
/// </summary>
public class CheckpointUnavailableException(string message) : IOException(message);
