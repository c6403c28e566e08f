using System.Globalization;

namespace Stitching.Domain.Results;

/// <summary>
/// When a "trained" base model has learned next to nothing: a stitching matrix through it measures no similarity, so
/// the local <c>sweep</c>, the sweep status and the report page all warn with this one rule and sentence. Chance is
/// one over the class count of the model's dataset (<see cref="ModelResult.ChanceClasses"/>): 10% on Fashion-MNIST and
/// CIFAR-10, 1% on CIFAR-100, a third on a three-class image folder.
/// </summary>
public static class NearChance
{
    /// <summary>Chance accuracy over <paramref name="classes"/> balanced classes.</summary>
    public static double Chance(int classes) => 1.0 / classes;

    /// <summary>
    /// Below twice chance (20% of 10 classes, 2% of 100) a trained model is near chance; the random controls are meant to
    /// be. Capped at halfway from chance to perfect, since twice chance is 100% for two classes, where every model would warn.
    /// </summary>
    public static double Threshold(int classes) => Math.Min(2 * Chance(classes), (1 + Chance(classes)) / 2);

    public static bool Applies(ModelResult model) => model.Trained && model.Accuracy < Threshold(model.ChanceClasses);

    /// <summary>
    /// A trained model its test set cannot tell from chance: it predicts one class (a collapsed network: NaN training ends
    /// so), or its accuracy's Wilson 95% lower bound on <paramref name="testImages"/> images is at or below chance. No stitch
    /// trains on such a model unless the spec allows it (<see cref="Contracts.SweepSpec.AllowChanceModels"/>).
    /// </summary>
    public static bool Indistinguishable(ModelResult model, long testImages) =>
        model.Trained && (model.PredictedClasses == 1 || double.IsNaN(model.Accuracy)
                          || WilsonInterval.Of(model.Accuracy, testImages).Low <= Chance(model.ChanceClasses));

    /// <summary>The warning for a trained model near chance, or null; the caller adds what to change in its own terms (options or spec fields).</summary>
    public static string? Warning(ModelResult model) => Applies(model)
        ? string.Create(CultureInfo.InvariantCulture,
            $"trained {model.Arch} (seed {model.Seed}) scores {model.Accuracy * 100:F1}%, near chance ({Chance(model.ChanceClasses) * 100:0.#}%): its matrices measure nothing.")
        : null;
}
