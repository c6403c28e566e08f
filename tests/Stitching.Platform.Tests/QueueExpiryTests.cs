namespace Stitching.Platform.Tests;

/// <summary>
/// A Storage queue drops an expired message without a dead letter (7 days unless told), which would leave its job row
/// Queued and Sent for good behind a long sweep; job messages are sent never to expire. Real Azurite.
/// </summary>
public sealed class QueueExpiryTests
{
    [AzuriteFact]
    public async Task Job_messages_on_a_storage_queue_never_expire()
    {
        // Given a submitted sweep (its model jobs on the queue)
        await using var env = await TestPlatform.CreateAsync();
        await env.SubmitAsync();

        // When its messages are peeked
        var messages = (await env.Queue.Queue.PeekMessagesAsync(32)).Value;

        // Then none has an expiry time (the service reports 9999-12-31 for a time-to-live of -1)
        Assert.NotEmpty(messages);
        Assert.All(messages, m => Assert.Equal(9999, m.ExpiresOn!.Value.Year));
    }
}
