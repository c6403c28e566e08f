using Stitching.Domain.Contracts;

namespace Stitching.Domain.Jobs;

/// <summary>
/// A received, locked message. <see cref="Message"/> is null when the body did not parse; then
/// <see cref="ParseError"/> says why and the message belongs in the dead-letter queue.
/// </summary>
public interface IJobLease
{
    JobMessage? Message { get; }
    string? ParseError { get; }
    string Body { get; }
    /// <summary>How many times this message has been delivered, this delivery included.</summary>
    int DeliveryCount { get; }

    Task CompleteAsync(CancellationToken cancellationToken = default);
    /// <summary>
    /// Releases the lock so the message is delivered again after <paramref name="delay"/>. The delivery counts toward
    /// the queue's max deliveries: for work that failed, or for a runner that stops while holding the message.
    /// </summary>
    Task AbandonAsync(TimeSpan delay, CancellationToken cancellationToken = default);
    /// <summary>
    /// For a job that cannot run yet: sends a fresh copy of the message (new message id, delivery count 1) that becomes
    /// visible after <paramref name="delay"/>, then completes this one, so waiting never uses up deliveries.
    /// The copy is sent first: a runner that dies in between leaves a duplicate, which the job row's claim makes harmless.
    /// The copy's <see cref="JobMessage.Deferrals"/> is this one's plus one (the body of an unparsed message is not deferred).
    /// </summary>
    Task DeferAsync(TimeSpan delay, CancellationToken cancellationToken = default);
    Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default);
    /// <summary>Extends the lock; throws when it was lost (another receiver may now hold the message).</summary>
    Task RenewLockAsync(CancellationToken cancellationToken = default);
}
