namespace Stitching.Engine.Data;

/// <summary>
/// A dataset file is missing, truncated or not in the expected format, or the data cannot be fetched.
/// Its own type because the CLI reports it as a setup problem (message + exit code), not as a crash.
/// </summary>
public sealed class DatasetException : Exception
{
    /// <summary>The file or folder at fault.</summary>
    public string? FilePath { get; }

    /// <summary>What the loader expected there, e.g. "IDX magic 2051".</summary>
    public string? Expected { get; }

    /// <summary>What it found instead.</summary>
    public string? Found { get; }

    public DatasetException(string filePath, string expected, string found, string remedy, Exception? innerException = null)
        : base($"{filePath}: expected {expected}, found {found}. {remedy}", innerException)
    {
        FilePath = filePath;
        Expected = expected;
        Found = found;
    }

    public DatasetException(string message, Exception? innerException = null) : base(message, innerException) { }
}
