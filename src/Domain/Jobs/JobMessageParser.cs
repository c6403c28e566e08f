using System.Text.Json;
using Stitching.Domain.Contracts;

namespace Stitching.Domain.Jobs;

/// <summary>Parses a queue body into a <see cref="JobMessage"/>, or explains why it is malformed.</summary>
public static class JobMessageParser
{
    public static string Serialize(JobMessage message) => JsonSerializer.Serialize(message, PlatformJsonContext.Default.JobMessage);

    /// <summary>The body of a deferred copy of <paramref name="message"/>: the same job, one more deferral counted.</summary>
    public static string DeferredCopy(JobMessage? message) =>
        Serialize((message ?? throw new InvalidOperationException("Only a parsed job message can be deferred.")) with { Deferrals = message.Deferrals + 1 });

    public static (JobMessage? Message, string? Error) Parse(string body)
    {
        JobMessage? message;
        try
        {
            message = JsonSerializer.Deserialize(body, PlatformJsonContext.Default.JobMessage);
        }
        catch (JsonException e)
        {
            return (null, $"Malformed job message: {e.Message}");
        }
        if (message is null) return (null, "Malformed job message: empty body.");
        if (!StorageIds.IsValid(message.SweepId) || !StorageIds.IsValid(message.JobId)) return (null, "Malformed job message: invalid sweep or job id.");
        return message.Kind switch
        {
            JobKind.Model when message.Model is not null => (message, null),
            JobKind.Stitch when message.Stitches is { SenderLayers.Count: > 0, ReceiverLayers.Count: > 0 } => (message, null),
            _ => (null, $"Malformed job message: kind '{message.Kind}' without its payload."),
        };
    }
}
