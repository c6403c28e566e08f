using System.Security.Cryptography;
using System.Text;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Contracts;

/// <summary>
/// Deterministic job ids: the same job of the same sweep always gets the same id, so a retried fan-out
/// finds the row it wrote before. <see cref="StitchTask.Id"/> can pass Service Bus's 128-character
/// message-id limit, so ids keep a readable part and replace the rest with a hash.
/// </summary>
public static class JobIds
{
    public static string ForModel(ModelSpec model) => $"model-{model.Key}";

    /// <summary>One stitch's id: the row key of its result and the name of its checkpoint.</summary>
    public static string ForStitch(StitchTask task) =>
        $"stitch-{task.Variant.Slug()}-{task.SenderLayer}-{task.ReceiverLayer}-s{task.StitchSeed}-{Hash(task.Id)}";

    /// <summary>A job of several stitches: its variant, first receiver layer and seed are readable, the rest is hashed.</summary>
    public static string ForStitches(StitchGroup group)
    {
        var canonical = $"{group.Variant.Slug()}|{group.Sender.Key}|{group.Receiver.Key}|{string.Join(',', group.SenderLayers)}|" +
            $"{string.Join(',', group.ReceiverLayers)}|{group.StitchSeed}|{group.BatchNorm}";
        return $"stitches-{group.Variant.Slug()}-{group.ReceiverLayers[0]}-s{group.StitchSeed}-{Hash(canonical)}";
    }

    private static string Hash(string text) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant();
}
