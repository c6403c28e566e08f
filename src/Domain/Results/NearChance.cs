using System.Globalization;
using Stitching.Domain.Sweeps;

namespace Stitching.Domain.Results;

/// <summary>
/// When a "trained" base model has learned next to nothing: a stitching matrix through it measures no similarity, so
/// the local <c>sweep</c>, the sweep status and the report page all warn with this one rule and sentence.
/// </summary>
public static class NearChance
{
    /// <summary>Chance accuracy: both datasets have <see cref="SweepFlops.Classes"/> balanced classes.</summary>
    public const double Chance = 1.0 / SweepFlops.Classes;

    /// <summary>Below twice chance (20%) a trained model is near chance; the random controls are meant to be.</summary>
    public const double Threshold = 2 * Chance;

    public static bool Applies(ModelResult model) => model.Trained && model.Accuracy < Threshold;

    /// <summary>
    /// A trained model its test set cannot tell from chance: it predicts one class (a collapsed network: NaN training ends
    /// so), or its accuracy's Wilson 95% lower bound on <paramref name="testImages"/> images is at or below chance. No stitch
    /// trains on such a model unless the spec allows it (<see cref="Contracts.SweepSpec.AllowChanceModels"/>).
    /// </summary>
    public static bool Indistinguishable(ModelResult model, long testImages) =>
        model.Trained && (model.PredictedClasses == 1 || double.IsNaN(model.Accuracy) || WilsonInterval.Of(model.Accuracy, testImages).Low <= Chance);

    /// <summary>The warning for a trained model near chance, or null; the caller adds what to change in its own terms (options or spec fields).</summary>
    public static string? Warning(ModelResult model) => Applies(model)
        ? string.Create(CultureInfo.InvariantCulture,
            $"trained {model.Arch} (seed {model.Seed}) scores {model.Accuracy * 100:F1}%, near chance ({Chance * 100:F0}%): its matrices measure nothing.")
        : null;
}
