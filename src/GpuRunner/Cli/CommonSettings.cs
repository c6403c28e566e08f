using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using Stitching.Domain.Contracts;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// Options every training command shares: data, device and where base models are kept. The data and base-model options
/// are nullable with no default of their own: an option left out keeps the spec's value (<see cref="Over"/>), so the
/// defaults live in one place, <see cref="SweepSpec"/> and <see cref="TrainSettings"/>.
/// </summary>
public class CommonSettings : CommandSettings
{
    [CommandOption("--dataset <NAME>"), Description("fashion-mnist (default), cifar10, cifar100, or images-<name> (made by `datasets prepare`).")]
    public string? Dataset { get; init; }

    [CommandOption("--data-dir <DIR>"), Description("Folder with the dataset files (default: /usr/share/datasets/fashion-mnist, ~/.cache/stitching/<dataset>).")]
    public string? DataDir { get; init; }

    [CommandOption("--train-limit <N>"), Description("Use a class-balanced, seeded subset of N training images (default: all).")]
    public int? TrainLimit { get; init; }

    [CommandOption("--test-limit <N>"), Description("Use a class-balanced, seeded subset of N test images (default: all).")]
    public int? TestLimit { get; init; }

    [CommandOption("--width <W>"), Description("Stem channels; stage s has W*2^(s-1). 64 as in the paper; default 8 (SweepSpec), the README's and the report's recipe.")]
    public int? Width { get; init; }

    [CommandOption("--models-dir <DIR>"), Description("Where base-model checkpoints are kept and reused (default: ~/.cache/stitching/models).")]
    public string? ModelsDir { get; init; }

    [CommandOption("--model-epochs <N>"), Description("Epochs to train each base model (default 15, TrainSettings).")]
    public int? ModelEpochs { get; init; }

    [CommandOption("--model-lr <LR>"), Description("Peak learning rate of base-model SGD (default 0.05).")]
    public double? ModelLearningRate { get; init; }

    [CommandOption("--random-init <INIT>"), Description("Initial weights of every base model, and the weights of random controls: kaiming (default; torchvision's ResNet: conv Kaiming normal fan-out, batch-norm 1 and 0) or pytorch (each layer's PyTorch default).")]
    [TypeConverter(typeof(WireNameTypeConverter<RandomInit>))]
    public RandomInit? RandomInit { get; init; }

    [CommandOption("--device <DEVICE>"), Description("auto (CUDA when present), cpu or cuda.")]
    public string Device { get; init; } = "auto";

    [CommandOption("--threads <N>"), Description("CPU threads for torch (default: all cores).")]
    public int? Threads { get; init; }

    [CommandOption("--layout <L>"), Description("auto (NHWC on CUDA, and on CPUs where every conv's channels fit the CPU's vector block; NCHW elsewhere), nchw or nhwc (forced: nhwc at narrow widths can crash libtorch on AVX2-only CPUs).")]
    public string Layout { get; init; } = "auto";

    public string ResolvedModelsDir => ModelsDir ?? DefaultModelsDir;

    /// <summary>Where base-model checkpoints are kept when no --models-dir is given.</summary>
    public static string DefaultModelsDir => Path.Combine(Engine.Data.DatasetOptions.CacheHome(), "stitching", "models");

    /// <summary>The data and base-model options laid over <paramref name="spec"/>: an option given wins, one left out keeps the spec's value.</summary>
    public SweepSpec Over(SweepSpec spec) => spec with
    {
        Dataset = Dataset ?? spec.Dataset, Width = Width ?? spec.Width,
        TrainLimit = TrainLimit ?? spec.TrainLimit, TestLimit = TestLimit ?? spec.TestLimit,
        Model = spec.Model with
        {
            Epochs = ModelEpochs ?? spec.Model.Epochs, LearningRate = ModelLearningRate ?? spec.Model.LearningRate,
            RandomInit = RandomInit ?? spec.Model.RandomInit,
        },
    };

    public override ValidationResult Validate()
    {
        // The sweep validator's rules for data and base models (one set of limits for the CLI and the API), named by option,
        // on these options over the default spec (a --spec file's own values are validated with the whole spec).
        var spec = Over(new SweepSpec());
        var errors = Stitching.Domain.Sweeps.SweepSpecValidator.ValidateData(spec.Width, spec.Dataset, TrainLimit, TestLimit, spec.Model);
        if (errors.Count > 0) return ValidationResult.Error(string.Join(" ", errors.Select(e => $"{OptionOf(e.Field)}: {e.Message}")));
        if (Engine.Hardware.DeviceChoice.Problem(Device) is { } device) return ValidationResult.Error(device);
        if (Layout is not ("auto" or "nchw" or "nhwc")) return ValidationResult.Error($"--layout must be auto, nchw or nhwc, got '{Layout}'.");
        return ValidationResult.Success();
    }

    private static string OptionOf(string field) => field switch
    {
        "width" => "--width",
        "dataset" => "--dataset",
        "trainLimit" => "--train-limit",
        "testLimit" => "--test-limit",
        "model.epochs" or "model.warmupEpochs" => "--model-epochs",
        "model.learningRate" => "--model-lr",
        "model.randomInit" => "--random-init",
        _ => field,
    };
}
