namespace Stitching.Domain.Contracts;

/// <summary>
/// How each stitch is trained: least-squares start, then Adam (lr 1e-3, weight decay 0.01, batch 256, warm-up then
/// cosine) until the held-out stopping rule says it has converged (<see cref="Patience"/>, <see cref="MinGainStandardErrors"/>),
/// at most <see cref="Epochs"/>. Measured against a 20-epoch reference (docs/performance.md): SGD (momentum 0.9, lr 0.01)
/// from the least-squares start matched it into trained receivers but fell far below it into random ones; Adam comes
/// within a few points there too.
/// </summary>
public sealed record StitchSettings
{
    /// <summary>
    /// Most epochs per stitch: a cap, not the recipe; the stopping rule ends a stitch when it has converged. The cosine
    /// schedule spans the cap. 30: the schedule the stopping rule is measured against (docs/research.md, stopping that is verified).
    /// </summary>
    public int Epochs { get; init; } = 30;
    public int BatchSize { get; init; } = 256;
    /// <summary>"sgd" (momentum) or "adam".</summary>
    public StitchOptimizer Optimizer { get; init; } = StitchOptimizer.Adam;
    public double LearningRate { get; init; } = 0.001;
    public double Momentum { get; init; } = 0.9;
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Fraction of all steps spent warming up linearly before the cosine decay.</summary>
    public double WarmupFraction { get; init; } = 0.1;
    /// <summary>Batch-norm before and after the conv, as Bansal et al. put around a 1x1 conv.</summary>
    public bool BatchNorm { get; init; }
    /// <summary>"least-squares": closed-form fit of the sender's activations to the receiver's own (direct matching); "identity": the identity map (1x1 stitches between equal shapes only); "default": PyTorch's init.</summary>
    public StitchInit Init { get; init; } = StitchInit.LeastSquares;
    /// <summary>
    /// Training images whose normal equations give the least-squares initialization (0 = all). The fit is only a
    /// starting point for task training, and a few thousand images pin down a map of at most Cin*k*k+1 inputs;
    /// the research analyses' least-squares stitch always uses the whole training split.
    /// </summary>
    public int InitImages { get; init; } = 2000;
    /// <summary>Ridge term added to the normal equations of the least-squares fit, relative to their mean diagonal.</summary>
    public double Ridge { get; init; } = 1e-3;
    /// <summary>Fraction of the training subset held out for early stopping; never the test set.</summary>
    public double HoldoutFraction { get; init; } = DefaultHoldoutFraction;
    public const double DefaultHoldoutFraction = 0.1;
    /// <summary>
    /// Held-out checks per epoch, evenly spaced, the last at the epoch's end (at most one per step), plus one before training;
    /// the best one's weights are kept. 0: no checks, the last weights are kept and nothing stops early (the benchmark
    /// baseline's recipe).
    /// </summary>
    public int EvalsPerEpoch { get; init; } = 4;
    /// <summary>
    /// In epochs: a stitch stops when this many epochs of held-out checks after warm-up brought no gain of more than
    /// <see cref="MinGainStandardErrors"/> standard errors over the last gain (converged, or no-gain when nothing ever beat the
    /// start: <see cref="Results.StopReason"/>); 0 disables early stopping. Counted in epochs, not checks, so the rule does
    /// not change with the number of steps an epoch has (before issue 23: 4 checks, which at 6 steps an epoch was 2/3 of an epoch).
    /// 3 epochs with <see cref="MinGainStandardErrors"/> 1 and <see cref="AnnealEpochs"/> 2: measured against the same sweep
    /// run through the whole schedule, the stitches this rule calls converged end 0.3 points below it on average, within
    /// the spread between stitch seeds; 2 epochs at 2 standard errors, with or without the decay, ended 1.4-1.8 points
    /// below, 13-16 of 69 more than 2 (docs/research.md, stopping that is verified).
    /// </summary>
    public double Patience { get; init; } = DefaultPatienceEpochs;
    public const double DefaultPatienceEpochs = 3;
    /// <summary>
    /// In epochs: once the rule fires, the learning rate falls from where the schedule has it to zero over this many epochs
    /// (half a cosine), still checked and keeping the best, and only then does the stitch stop. Why: the rule fires at a
    /// plateau of the peak rate, and a stitch stopped there ended on average 1.8 points (up to 21) below the same stitch
    /// run through the whole schedule (docs/measurements/stopping-demo); the decay is what the long run had and the
    /// stopped one lacked. 0: stop where the rule fires (the recipe before this setting).
    /// </summary>
    public double AnnealEpochs { get; init; } = DefaultAnnealEpochs;
    public const double DefaultAnnealEpochs = 2;
    /// <summary>
    /// Standard errors of the paired per-image held-out loss difference a check must beat its reference by to count as a
    /// gain (a one-sided paired z-test; the gain needed shrinks as the held-out set grows). 1 (about 16% false gains per
    /// check): on 150 held-out images 2 standard errors missed the slow gains a stitch still had at its peak learning rate,
    /// and a false gain only makes a stitch train longer, nearer the cap.
    /// </summary>
    public double MinGainStandardErrors { get; init; } = 1;
    /// <summary>"bf16" runs the frozen prefix and suffix in bfloat16 (the stitch keeps fp32 weights); "fp32"; "auto" picks bf16 where the hardware has fast bf16.</summary>
    public ComputePrecision Precision { get; init; } = ComputePrecision.Auto;
}
