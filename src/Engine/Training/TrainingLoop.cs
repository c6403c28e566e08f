using Microsoft.Extensions.Logging;
using Stitching.Domain.Results;
using Stitching.Engine.Stitches;
using Stitching.Reporting.Tables;
using TorchSharp;
using static TorchSharp.torch;

namespace Stitching.Engine.Training;

/// <summary>
/// The one training loop of base models, task stitches, copy stitches and the benchmark baseline. Trains a group of
/// modules on the same seeded batches (a CPU generator shuffles each epoch: the same order on CPU and CUDA), each with
/// its own optimizer, the learning rate following <see cref="LearningRateSchedule"/> per step; one dispose scope per step.
/// With a held-out split (<see cref="LoopSettings.EvalsPerEpoch"/> &gt; 0 and a held-out scorer) each active member is
/// checked exactly that many times per epoch, evenly spaced, the last at the epoch's end (every step when an epoch has fewer
/// steps; <see cref="ChecksPerEpoch"/>), and, with <see cref="LoopSettings.CheckAtStart"/>, before the first step; with
/// <see cref="LoopSettings.KeepBest"/> it keeps the weights of its lowest held-out loss, loaded back at the end; with
/// <see cref="LoopSettings.Patience"/> &gt; 0 (in epochs) it stops once that many epochs of checks after warm-up brought no
/// significant gain (<see cref="StitchGroupTrainer.SignificantlyLower"/> on the per-image held-out losses), after
/// <see cref="LoopSettings.AnnealEpochs"/> more epochs in which its learning rate falls to zero: converged when some
/// check had beaten the start, no-gain when none had (<see cref="StopReason"/>). A member still improving at
/// <see cref="LoopSettings.Epochs"/> stops there at the cap. What differs between callers is the batch's loss
/// (<c>batchLoss</c>), the optimizer (<c>createOptimizer</c>) and the held-out scorer (<c>holdout</c>).
/// </summary>
public static class TrainingLoop
{
    public static long StepsPerEpoch(long examples, int batchSize) => (examples + batchSize - 1) / batchSize;

    /// <summary>Held-out checks an epoch of <paramref name="stepsPerEpoch"/> steps gets: the asked number, at most one per step.</summary>
    public static long ChecksPerEpoch(long stepsPerEpoch, int evalsPerEpoch) => Math.Min(stepsPerEpoch, Math.Max(0, evalsPerEpoch));

    /// <summary>
    /// Whether a check follows the step that brings the run to <paramref name="stepsDone"/> steps: the epoch's checks at the
    /// steps where floor(position x checks / steps) goes up, so an epoch gets exactly <see cref="ChecksPerEpoch"/>, evenly
    /// spaced, the last at its end. (Before issue 23 a check came every max(1, steps / evals) steps: 6 an epoch, not 4, at 6 steps.)
    /// </summary>
    public static bool IsCheckStep(long stepsDone, long stepsPerEpoch, int evalsPerEpoch)
    {
        var checks = ChecksPerEpoch(stepsPerEpoch, evalsPerEpoch);
        if (checks == 0 || stepsDone <= 0) return false;
        var position = (stepsDone - 1) % stepsPerEpoch + 1; // 1..stepsPerEpoch
        return position * checks / stepsPerEpoch > (position - 1) * checks / stepsPerEpoch;
    }

    /// <summary>Patience in checks: <paramref name="patienceEpochs"/> epochs of checks, at least one check (0: never stop early).</summary>
    public static int PatienceChecks(double patienceEpochs, long checksPerEpoch) =>
        patienceEpochs <= 0 || checksPerEpoch == 0 ? 0 : Math.Max(1, (int)Math.Ceiling(patienceEpochs * checksPerEpoch - 1e-9));

    /// <summary>Steps of the decay after the stopping rule fires: <paramref name="annealEpochs"/> epochs, at least one step (0: none).</summary>
    public static long AnnealSteps(double annealEpochs, long stepsPerEpoch) =>
        annealEpochs <= 0 ? 0 : Math.Max(1, (long)Math.Ceiling(annealEpochs * stepsPerEpoch - 1e-9));

    /// <summary>The decay's factor on the rate the rule fired at, <paramref name="step"/> steps into it: half a cosine from 1 to 0.</summary>
    public static double AnnealFactor(long step, long annealSteps) =>
        annealSteps <= 0 ? 0 : 0.5 * (1 + Math.Cos(Math.PI * Math.Clamp(step / (double)annealSteps, 0, 1)));

    /// <param name="modules">The trained modules; each is put in train mode before each of its steps.</param>
    /// <param name="createOptimizer">The optimizer of member k (disposed by the loop).</param>
    /// <param name="examples">Training examples: a batch is their indices (int64 on <paramref name="device"/>).</param>
    /// <param name="batchLoss">
    /// (batch indices, active members, generator) to the forward and backward pass of those members on that batch (the loop
    /// zero-grads before and steps after, outside the step's dispose scope). Returns the batch's mean loss to average into
    /// the epoch's train loss, or null. The generator is the one that shuffles, for batched augmentation.
    /// </param>
    /// <param name="holdout">Scores the listed members on the held-out split (in eval mode); null: no held-out split.</param>
    /// <param name="onEpoch">Called after each epoch with (epoch, mean train loss of the epoch or NaN).</param>
    /// <param name="checkpoint">
    /// Where to save the loop's state at epoch ends (<see cref="LoopState"/>) and resume from: a run that finds a file saved
    /// under the same key continues after its epoch and ends as the uninterrupted run would. Null: nothing is saved.
    /// </param>
    public static LoopResult Run(
        IReadOnlyList<nn.Module> modules, Func<int, optim.Optimizer> createOptimizer, long examples, Device device,
        LoopSettings settings, int seed, Func<Tensor, IReadOnlyList<int>, Generator, Tensor?> batchLoss,
        Func<IReadOnlyList<int>, IReadOnlyList<HoldoutScore>>? holdout = null, Action<int, double>? onEpoch = null,
        LoopCheckpoint? checkpoint = null, CancellationToken cancellationToken = default)
    {
        var count = modules.Count;
        var stepsPerEpoch = StepsPerEpoch(examples, settings.BatchSize);
        var totalSteps = stepsPerEpoch * settings.Epochs;
        var useHoldout = settings.EvalsPerEpoch > 0 && holdout is not null;
        var patienceChecks = PatienceChecks(settings.Patience, ChecksPerEpoch(stepsPerEpoch, settings.EvalsPerEpoch));
        var annealSteps = AnnealSteps(settings.AnnealEpochs, stepsPerEpoch);
        var optimizers = new List<optim.Optimizer>(count);
        using var generator = new Generator((ulong)seed); // CPU: the same order on CPU and CUDA
        // Another run's file (other members, settings or data) is never resumed from.
        var key = $"{checkpoint?.Key}|{settings}|seed {seed}|members {count}|examples {examples}|holdout {useHoldout}";
        LoopState? state = null;

        void CheckHoldout(long stepsDone)
        {
            if (!useHoldout) return;
            var st = state!;
            var (active, reference) = (st.Active, st.Reference);
            var scores = holdout!(active);
            for (var a = 0; a < active.Count; a++)
            {
                var k = active[a];
                var score = scores[a];
                if (double.IsNaN(score.Loss) || double.IsInfinity(score.Loss))
                    throw new NonFiniteTrainingException(settings.Subject, (int)(stepsDone / stepsPerEpoch) + 1, $"member {k}'s held-out loss {score.Loss}");
                st.Curves[k].Add(new CurvePoint((double)stepsDone / stepsPerEpoch, score.Loss, score.Accuracy));
                if (st.Best[k].Score is not { } best || score.Loss < best.Loss)
                    st.KeepBest(k, score, settings.KeepBest ? modules[k] : null);
                if (score.PerExample is { } losses && (reference[k].Losses is null || StitchGroupTrainer.SignificantlyLower(losses, reference[k].Losses!, settings.MinGainStandardErrors)))
                    reference[k] = (losses, st.Check);
            }
            // Warm-up ramps the learning rate from 0, so its flat start is no plateau: patience counts from the first check after it.
            if (stepsDone >= settings.WarmupSteps) st.FirstCheckAfterWarmup ??= st.Check;
            if (patienceChecks > 0 && st.FirstCheckAfterWarmup is { } start)
            {
                // A member whose decay has run its course stops here, at a check, so its last weights were scored.
                foreach (var k in active.Where(k => st.Anneal[k] is { } a && stepsDone - a.Step >= annealSteps).ToList())
                {
                    st.Converged[k] = true;
                    active.Remove(k);
                }
                foreach (var k in active.Where(k => st.Anneal[k] is null && reference[k].Losses is not null && st.Check - Math.Max(reference[k].Check, start) >= patienceChecks).ToList())
                {
                    if (annealSteps > 0) st.Anneal[k] = (stepsDone, settings.LearningRate * LearningRateSchedule.Factor(stepsDone, totalSteps, settings.WarmupSteps));
                    else
                    {
                        st.Converged[k] = true;
                        active.Remove(k);
                    }
                }
            }
            st.Check++;
        }

        try
        {
            for (var k = 0; k < count; k++) optimizers.Add(createOptimizer(k));
            int? resumedAt = null;
            if (checkpoint is not null && LoopState.TryLoad(checkpoint.Path, key, modules, optimizers, generator) is { } saved)
            {
                state = saved;
                resumedAt = saved.EpochsDone;
                checkpoint.Logger?.LogInformation("Resumed from {Path} after epoch {Epoch}", checkpoint.Path, saved.EpochsDone);
            }
            else
            {
                state = new LoopState(count);
                if (settings.CheckAtStart) CheckHoldout(0); // the initialization itself (e.g. the least-squares fit) may already be the best
            }
            var lastSave = System.Diagnostics.Stopwatch.StartNew();
            for (var epoch = state.EpochsDone + 1; epoch <= settings.Epochs && state.Active.Count > 0; epoch++)
            {
                using var perm = randperm(examples, generator: generator).to(device);
                using var lossSum = zeros([], ScalarType.Float64, device);
                long seen = 0;
                var anyLoss = false;
                for (long start = 0; start < examples && state.Active.Count > 0; start += settings.BatchSize, state.Step++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var lr = settings.LearningRate * LearningRateSchedule.Factor(state.Step, totalSteps, settings.WarmupSteps);
                    foreach (var k in state.Active)
                    {
                        modules[k].train();
                        // A member the rule has stopped decays from the rate it stopped at, never above the schedule's.
                        SetLearningRate(optimizers[k], state.Anneal[k] is { } a ? Math.Min(lr, a.Rate * AnnealFactor(state.Step - a.Step, annealSteps)) : lr);
                        optimizers[k].zero_grad();
                        state.StepsRun[k]++;
                    }
                    using (var scope = NewDisposeScope())
                    {
                        var idx = perm.slice(0, start, Math.Min(examples, start + settings.BatchSize), 1);
                        if (batchLoss(idx, state.Active, generator) is { } loss)
                        {
                            lossSum.add_((loss.detach() * idx.shape[0]).to(ScalarType.Float64)); // summed in the loss's own precision, accumulated in float64
                            anyLoss = true;
                        }
                        seen += idx.shape[0];
                    }
                    foreach (var k in state.Active) optimizers[k].step();
                    if (IsCheckStep(state.Step + 1, stepsPerEpoch, settings.EvalsPerEpoch)) CheckHoldout(state.Step + 1);
                }
                state.TrainLoss = anyLoss ? lossSum.item<double>() / seen : double.NaN; // host sync, once per epoch
                // Wrong must be loud: a NaN or Inf loss or weight ends the run here, named, instead of training on into a result row.
                if (anyLoss && !double.IsFinite(state.TrainLoss))
                    throw new NonFiniteTrainingException(settings.Subject, epoch, $"train loss {state.TrainLoss}");
                foreach (var k in state.Active)
                    if (modules[k].named_parameters().FirstOrDefault(p => !p.parameter.isfinite().all().item<bool>()) is { parameter: not null } bad)
                        throw new NonFiniteTrainingException(settings.Subject, epoch, $"member {k}'s {bad.name} holds NaN or Inf");
                state.EpochsDone = epoch;
                // Only where there is more to do; at most once per interval (the file holds every member's weights and optimizer).
                if (checkpoint is not null && epoch < settings.Epochs && state.Active.Count > 0 && lastSave.Elapsed >= checkpoint.Interval)
                {
                    state.Save(checkpoint.Path, key, modules, optimizers, generator);
                    lastSave.Restart();
                }
                onEpoch?.Invoke(epoch, state.TrainLoss);
            }
            if (state.Active.Count > 0 && !IsCheckStep(state.Step, stepsPerEpoch, settings.EvalsPerEpoch)) CheckHoldout(state.Step);

            for (var k = 0; k < count; k++)
                if (state.Best[k].Weights is { } w) modules[k].load_state_dict(w);
            return new LoopResult(Enumerable.Range(0, count)
                .Select(k => (k, converged: state.Converged[k] || state.Anneal[k] is not null)) // the cap may end a decay: the rule had fired
                .Select(m => new LoopOutcome((double)state.StepsRun[m.k] / stepsPerEpoch, m.converged, state.Best[m.k].Score, state.Curves[m.k],
                    Stop: !m.converged ? (useHoldout && patienceChecks > 0 ? StopReason.Cap : StopReason.Unchecked)
                        : state.Reference[m.k].Check == 0 ? StopReason.NoGain : StopReason.Converged)).ToList(),
                state.TrainLoss, resumedAt);
        }
        finally
        {
            foreach (var o in optimizers) o.Dispose();
            state?.Dispose();
        }
    }

    internal static void SetLearningRate(optim.Optimizer optimizer, double lr)
    {
        foreach (var group in optimizer.ParamGroups) group.LearningRate = lr;
    }
}

/// <summary>
/// How <see cref="TrainingLoop"/> schedules and stops: epochs (the cap), batch size, peak learning rate and warm-up steps
/// of the warm-up-then-cosine schedule; held-out checks per epoch (0: none, the last weights are kept), whether to check
/// the initialization too, whether to keep the best checked weights, and the stopping rule (patience in epochs of checks,
/// 0: never stop early; the gain needed in standard errors).
/// </summary>
public sealed record LoopSettings(int Epochs, int BatchSize, double LearningRate, long WarmupSteps)
{
    public int EvalsPerEpoch { get; init; }
    public bool CheckAtStart { get; init; } = true;
    public bool KeepBest { get; init; } = true;
    /// <summary>Epochs of held-out checks after warm-up without a significant gain that stop a member (0: never).</summary>
    public double Patience { get; init; }
    /// <summary>Epochs over which a member's learning rate falls to zero once the rule has fired, before it stops (0: it stops at once).</summary>
    public double AnnealEpochs { get; init; }
    public double MinGainStandardErrors { get; init; } = 2;
    /// <summary>What is trained ("resnet18 seed 0", "stitches into resnet18 layer 2.1"), for the error a NaN raises.</summary>
    public string Subject { get; init; } = "training";

    /// <summary>A stitch's loop over <paramref name="examples"/> training examples (warm-up a fraction of all steps).</summary>
    public static LoopSettings ForStitch(Stitching.Domain.Contracts.StitchSettings s, long examples)
    {
        var totalSteps = TrainingLoop.StepsPerEpoch(examples, s.BatchSize) * s.Epochs;
        return new(s.Epochs, s.BatchSize, s.LearningRate, (long)(s.WarmupFraction * totalSteps))
        {
            EvalsPerEpoch = s.EvalsPerEpoch, Patience = s.Patience, AnnealEpochs = s.AnnealEpochs, MinGainStandardErrors = s.MinGainStandardErrors,
        };
    }
}

/// <summary>One held-out check of one member: mean loss, accuracy (NaN where there is none) and per-example losses (for the stopping rule; null: never stops).</summary>
public sealed record HoldoutScore(double Loss, double Accuracy, float[]? PerExample);

/// <summary>
/// Epochs run (fractional when stopped mid-epoch), whether the stopping rule ended it, the kept (best) held-out check (null:
/// none), every check in order, and which rule ended it (<see cref="StopReason"/>; no-gain: no check ever beat the first one,
/// check 0, which is the initialization with <see cref="LoopSettings.CheckAtStart"/>).
/// </summary>
public sealed record LoopOutcome(double Epochs, bool Converged, HoldoutScore? Best, IReadOnlyList<CurvePoint> Curve, StopReason Stop = StopReason.Unrecorded);

/// <summary>
/// Each member's outcome, the mean train loss of the last epoch run (over the batches it ran; NaN if no batch gave one),
/// and the epoch after which a saved state was resumed (null: the run started fresh).
/// </summary>
public sealed record LoopResult(IReadOnlyList<LoopOutcome> Members, double LastEpochTrainLoss, int? ResumedAfterEpoch = null);

/// <summary>
/// Where <see cref="TrainingLoop"/> saves its state and resumes from: <paramref name="Path"/>, written at an epoch's end at
/// most once per <paramref name="Interval"/> (zero: every epoch); <paramref name="Key"/> names the run (a file saved under
/// another key is not resumed from); <paramref name="Logger"/> hears when a run resumes.
/// </summary>
public sealed record LoopCheckpoint(string Path, string Key, TimeSpan Interval, ILogger? Logger = null);

/// <summary>A loss or weight became NaN or Inf: the run stops with what, when and on which CPU, and no result is kept.</summary>
public sealed class NonFiniteTrainingException : Exception
{
    public NonFiniteTrainingException(string subject, int epoch, string what)
        : base($"{subject}: {what} in epoch {epoch} on {Hardware.HardwareDescription.Of(TorchSharp.torch.CPU)}. Nothing from it is kept; " +
               "if the kernel self-check passed, lower the learning rate; otherwise run `kernel-check` and report the CPU.") { }

    /// <summary>The same error, named by its caller's subject (the stitches of a group).</summary>
    public NonFiniteTrainingException(string subject, NonFiniteTrainingException inner) : base($"{subject}: {inner.Message}", inner) { }
}
