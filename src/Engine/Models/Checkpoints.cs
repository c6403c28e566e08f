using Stitching.Domain.Contracts;

namespace Stitching.Engine.Models;

/// <summary>The TorchSharp half of a <see cref="ModelCheckpoint"/>: writing and loading the weights.</summary>
public static class Checkpoints
{
    /// <summary>Saves weights and metadata; both go through temporary files so a crash leaves no half checkpoint.</summary>
    public static ModelCheckpoint Save(ResNet model, string directory, ModelCheckpoint info)
    {
        Directory.CreateDirectory(directory);
        var tempWeights = ModelCheckpoint.WeightsPath(directory, info.Spec.Key) + ".tmp";
        model.save(tempWeights);
        return ModelCheckpoint.Commit(directory, info, tempWeights);
    }

    /// <summary>Loads the weights into <paramref name="model"/> after checking the file's checksum against the metadata.</summary>
    public static void LoadInto(this ModelCheckpoint info, ResNet model, string directory) => model.load(info.VerifiedWeightsPath(directory));
}
