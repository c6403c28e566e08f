using System.Text.RegularExpressions;
using Stitching.Domain.Architectures;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;

namespace Stitching.Domain.Sweeps;

/// <summary>
/// Checks a submitted <see cref="SweepSpec"/> before anything is stored, so a bad request is a 400 with
/// field paths rather than a job that fails on a GPU an hour later.
/// </summary>
public static partial class SweepSpecValidator
{
    /// <summary>Upper bound on stitches per sweep: one jobs row and one message each.</summary>
    public const int MaxStitches = 100_000;
    public const int MaxNameLength = 100;
    /// <summary>A job's stitches run one after another on one runner, so a job must stay short enough to finish.</summary>
    public const int MaxStitchesPerJob = 1_000;
    public const int MinTrainLimit = 100;
    public const int MaxModelSeeds = 10;
    public const int MaxTags = 16;
    public const int MaxTagLength = 64;
    public const int MaxDescriptionLength = 2000;
    /// <summary>What a tag may be, said the same way wherever a tag is refused (a spec's tags, the listing's <c>tag</c> filter).</summary>
    public static string TagRule => $"A tag is 1..{MaxTagLength} characters of letters, digits, '.', '_' and '-'.";

    /// <summary>Tags are plain tokens so that they travel in a query string unescaped and read the same in every listing.</summary>
    public static bool IsValidTag(string? tag) => tag is not null && TagToken().IsMatch(tag);

    /// <summary>
    /// The rules on data and base models alone, for commands that train models without a sweep (<c>train</c>, and every
    /// command's common options): the same limits and messages as a spec's fields.
    /// </summary>
    public static IReadOnlyList<ValidationError> ValidateData(int width, string? dataset, int? trainLimit, int? testLimit, TrainSettings? model)
    {
        var errors = new List<ValidationError>();
        void Error(string field, string message) => errors.Add(new ValidationError(field, message));
        if (width is < 1 or > 512) Error("width", "Width must be 1..512.");
        if (!DatasetFiles.IsKnown(dataset)) Error("dataset", $"Dataset must be {DatasetFiles.Described}.");
        if (trainLimit is < MinTrainLimit) Error("trainLimit", $"trainLimit must be at least {MinTrainLimit}.");
        if (testLimit is < 1) Error("testLimit", "testLimit must be at least 1.");
        Training(model, "model", Error);
        return errors;
    }

    public static IReadOnlyList<ValidationError> Validate(SweepSpec spec)
    {
        var errors = new List<ValidationError>();
        void Error(string field, string message) => errors.Add(new ValidationError(field, message));

        if (spec.Name is { } name && !IsCleanText(name))
            Error("name", $"Name must be at most {MaxNameLength} characters without control characters.");
        Tags(spec.Tags, Error);
        // Line breaks are welcome in a description; other control characters would only garble a listing.
        if (spec.Description is { } description && (description.Length > MaxDescriptionLength || description.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'))))
            Error("description", $"Description must be at most {MaxDescriptionLength} characters without control characters other than line breaks and tabs.");
        errors.AddRange(ValidateData(spec.Width, spec.Dataset, spec.TrainLimit, spec.TestLimit, spec.Model));

        var senders = Architectures(spec.Senders, "senders", Error);
        var receivers = Architectures(spec.Receivers, "receivers", Error);
        var width = Math.Clamp(spec.Width, 1, 512);
        Layers(spec.SenderLayers, "senderLayers", senders, width, Error);
        Layers(spec.ReceiverLayers, "receiverLayers", receivers, width, Error);

        var variants = VariantsOf(spec.Variants, Error);
        if (spec.SenderSeeds is null || spec.SenderSeeds.Count is < 1 or > MaxModelSeeds) Error("senderSeeds", $"Give 1..{MaxModelSeeds} sender seeds.");
        if (spec.ReceiverSeeds is null || spec.ReceiverSeeds.Count is < 1 or > MaxModelSeeds) Error("receiverSeeds", $"Give 1..{MaxModelSeeds} receiver seeds.");
        else if (spec.SenderSeeds is not null && spec.SenderSeeds.Count != spec.ReceiverSeeds.Count)
            Error("receiverSeeds", $"Give one receiver seed per sender seed (pair k is senderSeeds[k] -> receiverSeeds[k]); got {spec.SenderSeeds.Count} sender and {spec.ReceiverSeeds.Count} receiver seeds.");
        else if (spec.SenderSeeds is not null && spec.SenderSeeds.Distinct().Count() != spec.SenderSeeds.Count)
            Error("senderSeeds", "Sender seeds must be distinct: pairs are independently trained base models, so no sender serves in two pairs.");
        else if (spec.ReceiverSeeds.Distinct().Count() != spec.ReceiverSeeds.Count)
            Error("receiverSeeds", "Receiver seeds must be distinct: pairs are independently trained base models, so no receiver serves in two pairs.");
        if (spec.StitchSeeds is null || spec.StitchSeeds.Count is < 1 or > 10) Error("stitchSeeds", "Give 1..10 stitch seeds.");
        else if (spec.StitchSeeds.Distinct().Count() != spec.StitchSeeds.Count) Error("stitchSeeds", "Stitch seeds must be distinct.");

        if (spec.Analyses is not null)
            for (var i = 0; i < spec.Analyses.Count; i++)
                if (!Sweeps.Analyses.IsKnown(spec.Analyses[i]))
                    Error($"analyses[{i}]", $"Unknown analysis '{Truncate(spec.Analyses[i])}'. Allowed: all, {string.Join(", ", Sweeps.Analyses.All)}.");
        if (spec.StitchesPerJob is < 1 or > MaxStitchesPerJob) Error("stitchesPerJob", $"stitchesPerJob must be 1..{MaxStitchesPerJob}.");
        Stitch(spec.Stitch, "stitch", Error);

        if (errors.Count == 0)
        {
            long count = 0;
            foreach (var s in senders)
            foreach (var r in receivers)
                count += (long)Count(spec.SenderLayers, s, width) * Count(spec.ReceiverLayers, r, width);
            count *= variants * spec.StitchSeeds!.Count * spec.SenderSeeds!.Count;
            if (count > MaxStitches) Error("senders", $"The sweep has {count:N0} stitches; at most {MaxStitches:N0} are allowed per sweep.");
            else if (spec.Stitch.Init == StitchInit.Identity)
            {
                // The identity is defined only where sender and receiver layers have the same shape (a 1x1 conv, in = out).
                var odd = SweepPlan.Create(spec).Stitches.FirstOrDefault(t => t.Shape.Kind != Stitches.StitchKind.Conv1x1 || t.Shape.InChannels != t.Shape.OutChannels);
                if (odd is not null)
                    Error("stitch.init", $"Init identity needs layers of equal shape; {odd.Sender.Arch} {odd.SenderLayer} -> {odd.Receiver.Arch} {odd.ReceiverLayer} is a {odd.Shape.KindName}. Choose layers of equal shape or least-squares.");
            }
        }
        return errors;
    }

    private static void Tags(IReadOnlyList<string>? tags, Action<string, string> error)
    {
        if (tags is null) { error("tags", "Tags are a list of strings; give [] for none."); return; }
        if (tags.Count > MaxTags) error("tags", $"At most {MaxTags} tags, got {tags.Count}.");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < tags.Count; i++)
            if (!IsValidTag(tags[i])) error($"tags[{i}]", $"'{Truncate(tags[i])}' is not a tag. {TagRule}");
            else if (!seen.Add(tags[i])) error($"tags[{i}]", $"Tag '{tags[i]}' is given twice (tags match case-insensitively).");
    }

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z")] // 64: MaxTagLength
    private static partial Regex TagToken();

    private static bool IsCleanText(string text) => text.Length <= MaxNameLength && !text.Any(char.IsControl);

    private static List<ResNetSpec> Architectures(IReadOnlyList<string>? names, string field, Action<string, string> error)
    {
        var specs = new List<ResNetSpec>();
        if (names is null || names.Count == 0) { error(field, "Give at least one architecture."); return specs; }
        if (names.Count > 32) error(field, "At most 32 architectures.");
        for (var i = 0; i < names.Count; i++)
        {
            // JSON can put null inside a list of non-null strings; nullable annotations are not checked on elements.
            if (names[i] is null) error($"{field}[{i}]", "An architecture is a string such as 'resnet(1,1,1,1)', not null.");
            else if (ResNetSpec.TryParse(names[i], out var spec, out var message)) specs.Add(spec!);
            else error($"{field}[{i}]", message);
        }
        return specs;
    }

    private static void Layers(IReadOnlyList<string>? names, string field, List<ResNetSpec> archs, int width, Action<string, string> error)
    {
        if (names is null) return;
        for (var i = 0; i < names.Count; i++)
            foreach (var arch in archs)
            {
                var all = ArchitectureCatalog.Layers(arch, width);
                if (all.All(l => l.Name != names[i]))
                    error($"{field}[{i}]", $"Layer '{Truncate(names[i])}' does not exist in {arch.Name}. Valid layers: {string.Join(", ", all.Select(l => l.Name))}.");
            }
    }

    private static int Count(IReadOnlyList<string>? names, ResNetSpec arch, int width) =>
        names is { Count: > 0 } ? names.Count : ArchitectureCatalog.Layers(arch, width).Count;

    private static int VariantsOf(IReadOnlyList<string>? names, Action<string, string> error)
    {
        if (names is null || names.Count == 0) { error("variants", "Give 'all' or at least one variant."); return 0; }
        if (names.Count == 1 && names[0] is { } only && only.Trim().Equals("all", StringComparison.OrdinalIgnoreCase)) return Variants.All.Count;
        var seen = new HashSet<Variant>();
        for (var i = 0; i < names.Count; i++)
            if (Sweeps.Variants.TryParse(names[i] ?? "", out var v)) seen.Add(v);
            else error($"variants[{i}]", $"Unknown variant '{Truncate(names[i])}'. Allowed: all, {string.Join(", ", Variants.All.Select(x => x.Name()))}.");
        return seen.Count;
    }

    private static void Training(TrainSettings? t, string field, Action<string, string> error)
    {
        if (t is null) { error(field, "Training settings are required."); return; }
        if (t.Epochs is < 1 or > 200) error($"{field}.epochs", "Epochs must be 1..200.");
        if (t.BatchSize is < 1 or > 4096) error($"{field}.batchSize", "Batch size must be 1..4096.");
        if (!(t.LearningRate > 0 && t.LearningRate <= 10)) error($"{field}.learningRate", "Learning rate must be in (0, 10].");
        if (t.Momentum is < 0 or >= 1) error($"{field}.momentum", "Momentum must be in [0, 1).");
        if (t.WeightDecay is < 0 or > 1) error($"{field}.weightDecay", "Weight decay must be in [0, 1].");
        if (t.WarmupEpochs < 0 || t.WarmupEpochs > t.Epochs) error($"{field}.warmupEpochs", "Warm-up must be 0..epochs.");
        if (!Enum.IsDefined(t.RandomInit))
            error($"{field}.randomInit", $"Random init '{t.RandomInit.Name()}' is unknown. Allowed: {string.Join(", ", WireNames.All<RandomInit>())}.");
    }

    private static void Stitch(StitchSettings? s, string field, Action<string, string> error)
    {
        if (s is null) { error(field, "Stitch settings are required."); return; }
        if (s.Epochs is < 1 or > 100) error($"{field}.epochs", "Epochs must be 1..100.");
        if (s.BatchSize is < 1 or > 4096) error($"{field}.batchSize", "Batch size must be 1..4096.");
        if (!Enum.IsDefined(s.Optimizer)) error($"{field}.optimizer", $"Optimizer must be {WireNames.Allowed<StitchOptimizer>()}.");
        if (!(s.LearningRate > 0 && s.LearningRate <= 10)) error($"{field}.learningRate", "Learning rate must be in (0, 10].");
        if (!Enum.IsDefined(s.Init)) error($"{field}.init", "Init must be least-squares, identity (layers of equal shape only) or default.");
        // The closed-form fit maps raw sender activations to raw receiver ones; batch norms around the conv normalize
        // both sides by statistics that only training sets, so the fit would start the stitch somewhere arbitrary.
        if (s.BatchNorm && s.Init == StitchInit.LeastSquares)
            error($"{field}.init", "Init least-squares cannot fit through the stitch's batch norms; with batch norm (--stitch-bn) choose init default.");
        if (!Enum.IsDefined(s.Precision)) error($"{field}.precision", $"Precision must be {WireNames.Allowed<ComputePrecision>()}.");
        if (s.HoldoutFraction is < 0 or >= 1) error($"{field}.holdoutFraction", "Hold-out fraction must be in [0, 1).");
        if (s.WarmupFraction is < 0 or > 1) error($"{field}.warmupFraction", "Warm-up fraction must be in [0, 1].");
        if (!(s.Patience >= 0) || double.IsInfinity(s.Patience)) error($"{field}.patience", "Patience (epochs) must be a finite number at least 0.");
        if (!(s.AnnealEpochs >= 0) || double.IsInfinity(s.AnnealEpochs)) error($"{field}.annealEpochs", "The decay after the stopping rule fires (epochs) must be a finite number at least 0.");
        if (s.EvalsPerEpoch is < 0 or > 1000) error($"{field}.evalsPerEpoch", "Held-out checks per epoch must be 0..1000 (0: keep the last weights).");
        if (!(s.MinGainStandardErrors >= 0 && s.MinGainStandardErrors <= 10))
            error($"{field}.minGainStandardErrors", "The minimum gain must be 0..10 standard errors.");
        if (s.Ridge < 0) error($"{field}.ridge", "Ridge must be at least 0.");
    }

    /// <summary>Echoed user input is cut so an error message cannot be made arbitrarily long.</summary>
    public static string Truncate(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "...";
}
