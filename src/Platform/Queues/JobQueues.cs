using Azure.Core;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Queues;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Platform.Storage;

namespace Stitching.Platform.Queues;

/// <summary>Picks the queue backend named by <see cref="JobQueueOptions.Backend"/>.</summary>
public static class JobQueues
{
    public static IJobQueue Create(JobQueueOptions queue, StitchingStorageOptions storage) =>
        Create(queue, storage.NamePrefix, () => StorageClients.Queues(storage), () => ServiceBus(queue));

    /// <summary>The queue over the backend's shared service client; only the chosen backend's client is asked for.</summary>
    public static IJobQueue Create(JobQueueOptions queue, string namePrefix, Func<QueueServiceClient> storageQueues, Func<ServiceBusClient> serviceBus)
    {
        if (Problem(queue) is { } problem) throw new InvalidOperationException(problem);
        if (queue.UsesServiceBus)
        {
            var client = serviceBus();
            // The dead-letter receiver connects only when used: by the recovery timer, never by a runner.
            return new ServiceBusJobQueue(client.CreateSender(queue.QueueName),
                client.CreateReceiver(queue.QueueName, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock }),
                client.CreateReceiver(queue.QueueName, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.PeekLock, SubQueue = SubQueue.DeadLetter }));
        }
        var service = storageQueues();
        var name = namePrefix + queue.QueueName;
        return new StorageJobQueue(service.GetQueueClient(name), service.GetQueueClient(name + "-poison"), queue.LockDuration);
    }

    /// <summary>The Service Bus client: the emulator's connection string, or the namespace reached with the managed identity.</summary>
    public static ServiceBusClient ServiceBus(JobQueueOptions queue, ServiceBusClientOptions? options = null, TokenCredential? credential = null) =>
        queue.ConnectionString is { Length: > 0 } cs ? new ServiceBusClient(cs, options ?? new())
        : new ServiceBusClient(queue.ServiceBusNamespace ?? throw new InvalidOperationException(MissingNamespace), credential ?? StorageClients.Credential(), options ?? new());

    /// <summary>What is wrong with <paramref name="queue"/>, naming the setting; null when a queue can be built from it.</summary>
    public static string? Problem(JobQueueOptions queue)
    {
        if (queue.UsesServiceBus)
            return queue.ConnectionString is { Length: > 0 } || queue.ServiceBusNamespace is { Length: > 0 } ? null : MissingNamespace;
        return queue.Backend.Equals("storage", StringComparison.OrdinalIgnoreCase) ? null
            : $"{JobQueueOptions.Section}:Backend must be 'servicebus' or 'storage', not '{queue.Backend}'.";
    }

    private const string MissingNamespace = $"Set {JobQueueOptions.Section}:ServiceBusNamespace (or ConnectionString for the emulator).";
}
