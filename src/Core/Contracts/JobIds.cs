using System.Security.Cryptography;
using System.Text;
using Stitching.Core.Sweeps;

namespace Stitching.Core.Contracts;

/// <summary>
/// Deterministic job ids: the same job of the same sweep always gets the same id, so a retried fan-out
/// finds the row it wrote before. <see cref="StitchTask.Id"/> can pass Service Bus's 128-character
/// message-id limit, so a stitch id keeps the readable cell and replaces the rest with a hash.
/// </summary>
public static class JobIds
{
    public static string ForModel(ModelSpec model) => $"model-{model.Key}";

    public static string ForStitch(StitchTask task)
    {
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(task.Id)))[..16].ToLowerInvariant();
        return $"stitch-{task.Variant.Slug()}-{task.SenderLayer}-{task.ReceiverLayer}-s{task.StitchSeed}-{hash}";
    }
}
