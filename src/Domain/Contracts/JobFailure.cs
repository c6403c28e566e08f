namespace Stitching.Domain.Contracts;

/// <summary>A failed job and the error text that ended it.</summary>
public sealed record JobFailure(string JobId, string Kind, string Error, int Attempts);
