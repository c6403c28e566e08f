using Stitching.Domain.Contracts;

namespace Stitching.Reliability.Tests;

/// <summary>Small sweeps: one trained pair of resnet(1,1,1,1), the given layers, one stitch seed.</summary>
public static class Specs
{
    public static SweepSpec Small(int epochs, string[] senderLayers, string[] receiverLayers, string name = "reliability") => new()
    {
        Name = name,
        Senders = ["resnet(1,1,1,1)"],
        Receivers = ["resnet(1,1,1,1)"],
        Variants = ["trained->trained"],
        SenderLayers = senderLayers,
        ReceiverLayers = receiverLayers,
        TrainLimit = 1000,
        Stitch = new StitchSettings { Epochs = epochs },
        // One stitch per job, so that the faults these tests inject hit the jobs they name.
        StitchesPerJob = 1,
    };

    public static string Tag(Stitching.Domain.Sweeps.StitchTask task) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(task.Id)))[..24];
}
