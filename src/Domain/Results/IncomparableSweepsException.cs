namespace Stitching.Domain.Results;

/// <summary>
/// Two sweeps that cannot be compared cell by cell (other dataset, other architectures, a variant one did not run,
/// no layer in common). Its own type because the API answers it 409, apart from a bad parameter's 400.
/// </summary>
public sealed class IncomparableSweepsException(string message) : Exception(message);
