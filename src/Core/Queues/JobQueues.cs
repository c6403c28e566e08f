using Azure.Messaging.ServiceBus;
using Stitching.Core.Storage;

namespace Stitching.Core.Queues;

/// <summary>Picks the queue backend named by <see cref="JobQueueOptions.Backend"/>.</summary>
public static class JobQueues
{
    public static IJobQueue Create(JobQueueOptions queue, StitchingStorageOptions storage)
    {
        if (queue.UsesServiceBus)
        {
            var client = queue.ConnectionString is { Length: > 0 } cs
                ? new ServiceBusClient(cs)
                : new ServiceBusClient(queue.ServiceBusNamespace ?? throw new InvalidOperationException(
                    $"Set {JobQueueOptions.Section}:ServiceBusNamespace (or ConnectionString for the emulator)."), StorageClients.Credential());
            // The dead-letter receiver connects only when used: by the recovery timer, never by a runner.
            return new ServiceBusJobQueue(client.CreateSender(queue.QueueName),
                client.CreateReceiver(queue.QueueName, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock }),
                client.CreateReceiver(queue.QueueName, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock, SubQueue = SubQueue.DeadLetter }));
        }
        if (!queue.Backend.Equals("storage", StringComparison.OrdinalIgnoreCase))
            throw new InvalidOperationException($"{JobQueueOptions.Section}:Backend must be 'servicebus' or 'storage', not '{queue.Backend}'.");
        var service = StorageClients.Queues(storage);
        var name = storage.NamePrefix + queue.QueueName;
        return new StorageJobQueue(service.GetQueueClient(name), service.GetQueueClient(name + "-poison"), queue.LockDuration);
    }
}
