using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
namespace Stitching.Platform.Storage;

/// <summary>
/// The storage settings cannot work as given (a service URI missing, or a plain-http one without a SAS); the message
/// says what to set. A command line prints it as one line instead of a stack trace.
/// </summary>
public sealed class StorageConfigurationException(string message) : InvalidOperationException(message);
