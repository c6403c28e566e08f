namespace Stitching.Domain.Contracts;

/// <summary>What a Storage-queue dead letter carries: Service Bus keeps reason and description beside the body, a queue cannot.</summary>
public sealed record DeadLetterEnvelope(string Reason, string Description, string Body, DateTimeOffset DeadLetteredAt);
