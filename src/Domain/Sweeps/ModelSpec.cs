using System.Security.Cryptography;
using System.Text;
using Stitching.Domain.Contracts;

namespace Stitching.Domain.Sweeps;

/// <summary>
/// One base network: trained, or a random control at a seeded initialization. Two sweeps that need the same
/// <see cref="Key"/> share one checkpoint, so a model is trained once. <see cref="TrainSettings.RandomInit"/> is the
/// initialization of both kinds.
/// </summary>
public sealed record ModelSpec(string Arch, int Width, string Dataset, int Seed, bool Trained, int? TrainLimit, TrainSettings Training)
{
    /// <summary>
    /// Part of the training subset held out for the stitches' choices (<see cref="Contracts.StitchSettings.HoldoutFraction"/>):
    /// base models train on the rest, and random controls take their batch-norm statistics from it, so it changes the weights.
    /// </summary>
    /// <remarks>The default is the sweeps' default, so a message written before the fraction travelled reads as what it meant.</remarks>
    public double HoldoutFraction { get; init; } = StitchSettings.DefaultHoldoutFraction;

    /// <summary>Seed offset of a random control, so its initialization differs from the trained model's too.</summary>
    public const int RandomSeedOffset = 1_000_003;

    /// <summary>A file- and URL-safe key: readable prefix plus a hash of everything that changes the weights.</summary>
    public string Key
    {
        get
        {
            // The init is part of both: it is the trained model's starting point. A random control's batch-norm statistics
            // come from its training subset (ModelRepository), so the subset is part of its key too.
            // Invariant culture: a runner and the API on machines with other number formats must compute the same key.
            var canonical = Trained
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Arch}|{Width}|{Dataset}|{Seed}|trained|{TrainLimit}|{Training.Epochs}|{Training.BatchSize}|{Training.LearningRate}|{Training.Momentum}|{Training.WeightDecay}|{Training.WarmupEpochs}|{Training.Augment}|{Training.RandomInit.Name()}|holdout-excluded|{HoldoutFraction:R}")
                : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Arch}|{Width}|{Dataset}|{Seed}|random|{Training.RandomInit.Name()}|bn-stats|{TrainLimit}|holdout-excluded|{HoldoutFraction:R}");
            var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))[..12].ToLowerInvariant();
            var arch = Arch.Replace("(", "").Replace(")", "").Replace(",", "-");
            return $"{arch}-w{Width}-{Dataset}-s{Seed}-{(Trained ? "trained" : "random")}-{hash}";
        }
    }

    public int InitSeed => Trained ? Seed : Seed + RandomSeedOffset;
}
