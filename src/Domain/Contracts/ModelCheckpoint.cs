using System.Security.Cryptography;
using System.Text.Json;
using Stitching.Domain.Results;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Contracts;

/// <summary>
/// Metadata stored next to a model's weights ({key}.json beside {key}.bin): what the model is, how it scored,
/// and a SHA-256 of the weights file so a truncated or swapped checkpoint is detected, never silently used.
/// Hardware and Layout say what trained it (null in checkpoints made before they were recorded). PredictionEntropyBits
/// and PredictedClasses say how its test predictions spread over the classes (a collapsed control shows 0 bits, 1 class);
/// BatchNormStatistics says where the batch norms' running statistics come from ("training" for a trained model, or
/// e.g. "one pass over 3000 training images, no weight update" for a random control). HeldOutCurve is a trained model's
/// held-out accuracy after each epoch (empty for random controls and checkpoints made before it was recorded).
/// Provenance: the run that trained it (null in checkpoints made before it was recorded). Saving the weights needs
/// TorchSharp and lives in the engine (<c>Checkpoints.Save</c>); everything else is here.
/// </summary>
public sealed record ModelCheckpoint(
    ModelSpec Spec, int InChannels, int Classes, double TestAccuracy, double TestLoss, int TrainImages,
    string WeightsSha256, string TorchSharpVersion, string Device, DateTimeOffset CreatedUtc, double TrainSeconds,
    string? Hardware = null, string? Layout = null,
    double? PredictionEntropyBits = null, int? PredictedClasses = null, string? BatchNormStatistics = null,
    IReadOnlyList<double>? HeldOutCurve = null, Provenance? Provenance = null)
{
    /// <summary>The model's row of models.csv.</summary>
    public ModelResult ToResult() => new(Spec.Arch, Spec.Width, Spec.Dataset, Spec.Seed, Spec.Trained, Spec.Trained ? Spec.Training.Epochs : 0,
        TrainImages, TestAccuracy, TestLoss, Hardware ?? "", Layout ?? "", PredictionEntropyBits ?? double.NaN, PredictedClasses ?? 0, Spec.Training.RandomInit.Name())
    {
        HeldOutCurve = HeldOutCurve ?? [],
        ProvenanceId = Provenance?.Id ?? "",
        Classes = Classes,
    };

    public static string WeightsPath(string directory, string key) => Path.Combine(directory, key + ".bin");
    public static string MetadataPath(string directory, string key) => Path.Combine(directory, key + ".json");

    /// <summary>
    /// Completes a save whose weights were written to <paramref name="tempWeights"/>: records their checksum, writes the
    /// metadata to a temporary file, then moves both into place, so a crash leaves no half checkpoint.
    /// </summary>
    public static ModelCheckpoint Commit(string directory, ModelCheckpoint info, string tempWeights)
    {
        info = info with { WeightsSha256 = Sha256(tempWeights) };
        var tempMeta = MetadataPath(directory, info.Spec.Key) + ".tmp";
        File.WriteAllText(tempMeta, JsonSerializer.Serialize(info, PlatformJsonContext.Indented.ModelCheckpoint));
        File.Move(tempWeights, WeightsPath(directory, info.Spec.Key), overwrite: true);
        File.Move(tempMeta, MetadataPath(directory, info.Spec.Key), overwrite: true);
        return info;
    }

    /// <summary>Reads the metadata of <paramref name="key"/>, or null if there is no complete checkpoint.</summary>
    public static ModelCheckpoint? TryRead(string directory, string key)
    {
        var meta = MetadataPath(directory, key);
        if (!File.Exists(meta) || !File.Exists(WeightsPath(directory, key))) return null;
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(meta), PlatformJsonContext.Default.ModelCheckpoint)
                ?? throw new InvalidDataException("empty metadata");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Checkpoint metadata {meta} is not valid JSON ({e.Message}). Delete it and its .bin to retrain the model.", e);
        }
    }

    /// <summary>The weights file, after checking its checksum against the metadata.</summary>
    public string VerifiedWeightsPath(string directory)
    {
        var weights = WeightsPath(directory, Spec.Key);
        var actual = Sha256(weights);
        if (!actual.Equals(WeightsSha256, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException(
                $"Checkpoint {weights} is corrupt or was replaced: its SHA-256 is {actual}, the metadata expects {WeightsSha256}. Delete {weights} and {MetadataPath(directory, Spec.Key)} to retrain.");
        return weights;
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream)).ToLowerInvariant();
    }
}
