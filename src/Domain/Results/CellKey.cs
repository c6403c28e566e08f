using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Results;

/// <summary>
/// One stitch's identity as its rows carry it (variant, both models and layers, stitch seed): the key that matches a
/// task of the plan with its results.csv and analysis.csv rows (a local sweep's resume, the order of analysis rows).
/// </summary>
public static class CellKey
{
    public static string Of(StitchTask t) =>
        Of(t.Variant.Name(), t.Sender.Arch, t.Sender.Seed, t.SenderLayer, t.Receiver.Arch, t.Receiver.Seed, t.ReceiverLayer, t.StitchSeed);

    public static string Of(StitchResult r) => Of(r.Variant, r.SenderArch, r.SenderSeed, r.SenderLayer, r.ReceiverArch, r.ReceiverSeed, r.ReceiverLayer, r.StitchSeed);

    public static string Of(AnalysisResult r) => Of(r.Variant, r.SenderArch, r.SenderSeed, r.SenderLayer, r.ReceiverArch, r.ReceiverSeed, r.ReceiverLayer, r.StitchSeed);

    private static string Of(string variant, string senderArch, int senderSeed, string senderLayer, string receiverArch, int receiverSeed, string receiverLayer, int stitchSeed) =>
        $"{variant}|{senderArch}|{senderSeed}|{senderLayer}|{receiverArch}|{receiverSeed}|{receiverLayer}|{stitchSeed}";
}
