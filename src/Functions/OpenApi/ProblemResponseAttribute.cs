namespace Stitching.Functions.OpenApi;

/// <summary>
/// A status an HTTP function answers with an RFC 7807 problem (<see cref="Problems"/>). A <c>ProblemHttpResult</c>
/// in the return type does not say which statuses it carries, so each function lists them; a test derives them from
/// the <see cref="Problems"/> helpers the function's source calls.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ProblemResponseAttribute(int status, string description) : Attribute
{
    public int Status { get; } = status;

    public string Description { get; } = description;
}
