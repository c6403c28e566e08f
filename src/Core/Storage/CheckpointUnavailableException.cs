namespace Stitching.Core.Storage;

/// <summary>
/// A checkpoint a job needs is missing from blob storage, or its bytes do not match the SHA-256 recorded when it was
/// uploaded. Retrying cannot help, so the worker dead-letters the job at once with this message as its reason.
/// </summary>
public sealed class CheckpointUnavailableException(string message) : IOException(message);
