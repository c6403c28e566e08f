using Stitching.Domain.Contracts;

namespace Stitching.Domain.Results;

/// <summary>
/// Results in long format: one row per stitch, with every setting of its sweep beside every <see cref="StitchResult"/>
/// column, so the files of several sweeps concatenate into one frame (same columns, same order) and a setting that
/// differs between sweeps is a column to group by. CSV here (invariant culture, as <see cref="ResultsCsv"/>); the typed
/// columns (<see cref="Typed"/>: numbers, flags, unset limits as nulls) are what the reporting library writes as Parquet.
/// Sweep columns come first, then <c>stitch_id</c> (what <see cref="CurvesTable"/>'s learning-curve rows join on), then the
/// results.csv columns under their own names, then the model and stitch settings
/// (<c>model_*</c>, <c>stitch_*</c>). A new spec setting is one line in <see cref="Schema"/>.
/// </summary>
public static class LongResultsTable
{
    private static readonly IReadOnlyList<TableColumn<Row>> Schema =
    [
        Text("sweep_id", r => r.Sweep.SweepId),
        Text("sweep_name", r => r.Spec.Name ?? ""),
        // Joined by ';' as the sweep listing's CSV joins them: pandas' df.tags.str.split(";") gives them back.
        Text("tags", r => string.Join(';', r.Spec.Tags)),
        Text("description", r => r.Spec.Description ?? ""),
        Text("dataset", r => r.Spec.Dataset),
        Number("width", r => r.Spec.Width),
        Optional("train_limit", r => r.Spec.TrainLimit),
        Optional("test_limit", r => r.Spec.TestLimit),
        // The spec's seeds (model-seed pairs by position); each row's own sender_seed, receiver_seed and stitch_seed follow with the results.
        Text("sweep_sender_seeds", r => string.Join(',', r.Spec.SenderSeeds)),
        Text("sweep_receiver_seeds", r => string.Join(',', r.Spec.ReceiverSeeds)),
        Text("sweep_stitch_seeds", r => string.Join(',', r.Spec.StitchSeeds)),
        Text("analyses", r => string.Join(',', r.Spec.Analyses)),

        // The stitch's identity within its sweep (CellKey: variant, both models with their seeds and layers, stitch seed):
        // curves.csv's rows join this one on (sweep_id, stitch_id).
        Text("stitch_id", r => CellKey.Of(r.Result)),
        Text("variant", r => r.Result.Variant),
        Text("sender_arch", r => r.Result.SenderArch),
        Text("sender_layer", r => r.Result.SenderLayer),
        Text("receiver_arch", r => r.Result.ReceiverArch),
        Text("receiver_layer", r => r.Result.ReceiverLayer),
        Text("stitch_kind", r => r.Result.StitchKind),
        Number("stitch_params", r => r.Result.StitchParams),
        Number("epochs", r => r.Result.Epochs),
        Number("train_images", r => r.Result.TrainImages),
        Number("accuracy", r => r.Result.Accuracy),
        Number("loss", r => r.Result.Loss),
        Number("seconds", r => r.Result.Seconds),
        Number("sender_seed", r => r.Result.SenderSeed),
        Number("receiver_seed", r => r.Result.ReceiverSeed),
        Number("stitch_seed", r => r.Result.StitchSeed),
        Text("device", r => r.Result.Device),
        Text("hardware", r => r.Result.Hardware),
        Text("precision", r => r.Result.Precision),
        Text("layout", r => r.Result.Layout),
        Number("converged", r => r.Result.Converged),
        Number("head_only", r => r.Result.HeadOnly),
        Number("test_images", r => r.Result.TestImages),
        Number("accuracy_low", r => r.Result.AccuracyLow),
        Number("accuracy_high", r => r.Result.AccuracyHigh),
        Text("provenance_id", r => r.Result.ProvenanceId),
        Text("stop_reason", r => r.Result.Stop.Name()),

        Number("model_epochs", r => r.Spec.Model.Epochs),
        Number("model_batch_size", r => r.Spec.Model.BatchSize),
        Number("model_lr", r => r.Spec.Model.LearningRate),
        Number("model_momentum", r => r.Spec.Model.Momentum),
        Number("model_weight_decay", r => r.Spec.Model.WeightDecay),
        Number("model_warmup_epochs", r => r.Spec.Model.WarmupEpochs),
        Number("model_augment", r => r.Spec.Model.Augment),
        Text("model_random_init", r => r.Spec.Model.RandomInit.Name()),

        Number("stitch_epochs_cap", r => r.Spec.Stitch.Epochs),
        Number("stitch_batch_size", r => r.Spec.Stitch.BatchSize),
        Text("stitch_optimizer", r => r.Spec.Stitch.Optimizer.Name()),
        Number("stitch_lr", r => r.Spec.Stitch.LearningRate),
        Number("stitch_momentum", r => r.Spec.Stitch.Momentum),
        Number("stitch_weight_decay", r => r.Spec.Stitch.WeightDecay),
        Number("stitch_warmup_fraction", r => r.Spec.Stitch.WarmupFraction),
        Number("stitch_batch_norm", r => r.Spec.Stitch.BatchNorm),
        Text("stitch_init", r => r.Spec.Stitch.Init.Name()),
        Number("stitch_init_images", r => r.Spec.Stitch.InitImages),
        Number("stitch_ridge", r => r.Spec.Stitch.Ridge),
        Number("stitch_holdout_fraction", r => r.Spec.Stitch.HoldoutFraction),
        Number("stitch_evals_per_epoch", r => r.Spec.Stitch.EvalsPerEpoch),
        Number("stitch_patience", r => r.Spec.Stitch.Patience),
        Number("stitch_anneal_epochs", r => r.Spec.Stitch.AnnealEpochs),
        Number("stitch_min_gain_standard_errors", r => r.Spec.Stitch.MinGainStandardErrors),
        // The setting ("auto", "bf16", "fp32"); the row's precision column says what "auto" became.
        Text("stitch_precision", r => r.Spec.Stitch.Precision.Name()),
    ];

    public static IReadOnlyList<string> Columns { get; } = Schema.Select(c => c.Name).ToList();

    /// <summary>
    /// The columns that set how a sweep's stitches were made, equal on every row of a sweep: what <see cref="SweepComparison"/>
    /// lists when two sweeps differ in them. Not the labels (id, name, tags, description), which change nothing that trains.
    /// </summary>
    public static IReadOnlyList<string> SweepSettingColumns { get; } = Columns
        .Where(c => c is not ("sweep_id" or "sweep_name" or "tags" or "description" or "stitch_id") && !ResultsCsv.Columns.Contains(c)).ToList();

    /// <summary>The sweep-level settings of <paramref name="spec"/> as the CSV writes them, by column name.</summary>
    public static IReadOnlyList<(string Column, string Value)> Settings(SweepSpec spec)
    {
        var row = new Row(new SweepResults("", spec, []), new StitchResult("", "", "", "", "", "", 0, 0, 0, 0, 0, 0));
        return Schema.Where(c => SweepSettingColumns.Contains(c.Name)).Select(c => (c.Name, c.Csv(row))).ToList();
    }

    public static string ToCsv(IEnumerable<SweepResults> sweeps)
    {
        using var csv = new StringWriter();
        WriteCsv(csv, sweeps);
        return csv.ToString();
    }

    public static void WriteCsv(TextWriter writer, IEnumerable<SweepResults> sweeps) => TableColumn<Row>.WriteCsv(writer, Schema, Rows(sweeps));

    /// <summary>
    /// Every column with its CLR type (string, int, long, double, bool, or a nullable of them) and its values for
    /// <paramref name="sweeps"/>, row by row: what a typed writer (Parquet) needs without knowing the schema.
    /// </summary>
    public static IReadOnlyList<TypedColumn> Typed(IEnumerable<SweepResults> sweeps) => TableColumn<Row>.Typed(Schema, Rows(sweeps));

    private static IEnumerable<Row> Rows(IEnumerable<SweepResults> sweeps) =>
        sweeps.SelectMany(s => s.Rows.Select(r => new Row(s, r)));

    private readonly record struct Row(SweepResults Sweep, StitchResult Result)
    {
        public SweepSpec Spec => Sweep.Spec;
    }

    private static TableColumn<Row> Text(string name, Func<Row, string> value) => TableColumn<Row>.Text(name, value);
    private static TableColumn<Row> Number<T>(string name, Func<Row, T> value) where T : struct => TableColumn<Row>.Number(name, value);
    private static TableColumn<Row> Optional<T>(string name, Func<Row, T?> value) where T : struct => TableColumn<Row>.Optional(name, value);
}

/// <summary>One column of the long table: its name, CLR type and one value per row (null for an unset optional).</summary>
public sealed record TypedColumn(string Name, Type Type, IReadOnlyList<object?> Values);
