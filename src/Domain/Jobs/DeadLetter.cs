using Stitching.Domain.Contracts;

namespace Stitching.Domain.Jobs;

/// <summary>
/// A dead-lettered message, as the reconciliation reads it: the job it was (null when the body does not parse),
/// why it was dead-lettered, and how to remove it from the dead-letter queue once its job row records that.
/// </summary>
public sealed class DeadLetter(string body, string reason, string description, Func<CancellationToken, Task> remove)
{
    public string Body { get; } = body;
    public JobMessage? Message { get; } = JobMessageParser.Parse(body).Message;
    public string Reason { get; } = reason;
    public string Description { get; } = description;

    public Task RemoveAsync(CancellationToken cancellationToken = default) => remove(cancellationToken);
}
