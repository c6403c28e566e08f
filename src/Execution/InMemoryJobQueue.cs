using Stitching.Domain.Contracts;
using Stitching.Domain.Jobs;

namespace Stitching.Execution;

/// <summary>
/// A job queue in one process, for a local sweep: bodies as a platform queue carries them, received in the order sent,
/// one at a time. What a processor does with a delivery is kept as a broker would keep it: an abandoned message goes
/// to the back with its delivery count, a deferred one as a fresh copy (<see cref="JobMessageParser.DeferredCopy"/>),
/// and a dead-lettered one waits in <see cref="ReceiveDeadLettersAsync"/> with its reason. Delays are not waited for:
/// nothing else runs meanwhile, so waiting would only idle.
/// </summary>
public sealed class InMemoryJobQueue : IJobQueue
{
    private readonly Queue<(string Body, int Deliveries)> _messages = new();
    private readonly List<DeadLetter> _deadLetters = [];

    public Task SendBatchAsync(IEnumerable<JobMessage> messages, CancellationToken cancellationToken = default)
    {
        foreach (var m in messages) _messages.Enqueue((JobMessageParser.Serialize(m), 0));
        return Task.CompletedTask;
    }

    public Task<IJobLease?> ReceiveAsync(TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult<IJobLease?>(_messages.TryDequeue(out var next) ? new Lease(this, next.Body, next.Deliveries + 1) : null);
    }

    public Task<IReadOnlyList<DeadLetter>> ReceiveDeadLettersAsync(int maxMessages, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DeadLetter>>(_deadLetters.Take(maxMessages).ToList());

    public Task<int> CountWaitingAsync(int atMost, CancellationToken cancellationToken = default) => Task.FromResult(Math.Min(atMost, _messages.Count));

    private sealed class Lease(InMemoryJobQueue queue, string body, int deliveryCount) : IJobLease
    {
        private readonly (JobMessage? Message, string? Error) _parsed = JobMessageParser.Parse(body);

        public JobMessage? Message => _parsed.Message;
        public string? ParseError => _parsed.Error;
        public string Body => body;
        public int DeliveryCount => deliveryCount;

        public Task CompleteAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;
        public Task RenewLockAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task AbandonAsync(TimeSpan delay, CancellationToken cancellationToken = default)
        {
            queue._messages.Enqueue((body, deliveryCount));
            return Task.CompletedTask;
        }

        public Task DeferAsync(TimeSpan delay, CancellationToken cancellationToken = default)
        {
            queue._messages.Enqueue((JobMessageParser.DeferredCopy(Message), 0));
            return Task.CompletedTask;
        }

        public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default)
        {
            DeadLetter? letter = null;
            letter = new DeadLetter(body, reason, description, _ => Task.FromResult(queue._deadLetters.Remove(letter!)));
            queue._deadLetters.Add(letter);
            return Task.CompletedTask;
        }
    }
}
