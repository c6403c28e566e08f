using Azure;
using Azure.Messaging.ServiceBus;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;

namespace Stitching.Platform.Storage;

/// <summary>
/// Recognizes a failed call to storage or Service Bus, the only failures a runner can wait out. When every retry
/// of a request failed, Azure.Core throws an <see cref="AggregateException"/> of the attempts' exceptions rather
/// than a <see cref="RequestFailedException"/>, so both shapes count.
/// </summary>
public static class StorageFailures
{
    public static bool Is(Exception e) => e switch
    {
        RequestFailedException or ServiceBusException => true,
        AggregateException a => a.InnerExceptions.Count > 0 && a.InnerExceptions.All(Is),
        _ => false,
    };
}
