using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Stitching.Domain.Contracts;
using Stitching.Domain.Datasets;
using Stitching.Domain.Jobs;
using Stitching.Domain.Results;
using Stitching.Domain.Stitches;
using Stitching.Domain.Sweeps;
using Stitching.Platform.Queues;
using Stitching.Platform.Storage;
using Stitching.Execution;

namespace Stitching.Platform.Coordination;

/// <summary>
/// What the API and the timer do with sweeps, one part per responsibility: submission and planning here (validate,
/// store, write the job rows, first fan-out), sending jobs in <see cref="FanOut"/>, cancel and retry in
/// <see cref="Control"/>, the timer's pass in <see cref="Recovery"/>; reads are <see cref="SweepQueries"/>. A host
/// holds the coordinator and reaches each part through it, so the parts share one set of clients and settings.
/// </summary>
public sealed class SweepCoordinator
{
    private readonly StitchingStorage storage;
    private readonly ILogger _logger;

    public SweepCoordinator(StitchingStorage storage, IJobQueue queue, ILogger<SweepCoordinator>? logger = null)
    {
        this.storage = storage;
        _logger = logger ?? (ILogger)NullLogger<SweepCoordinator>.Instance;
        FanOut = new SweepFanOut(storage, queue, _logger);
        Control = new SweepControl(storage, FanOut, _logger);
        Recovery = new SweepRecovery(storage, queue, this, FanOut, Control, _logger);
    }

    public SweepFanOut FanOut { get; }
    public SweepControl Control { get; }
    public SweepRecovery Recovery { get; }

    /// <summary>The tables this coordinator keeps its sweeps in (what a submission's idempotency claim is stored beside).</summary>
    public StitchingStorage Storage => storage;

    /// <summary>
    /// Sweeps with at most this many jobs (a few table transactions) are planned within the submit call; bigger ones
    /// (the paper's full experiment has about 1,100) are stored as Planning, so that submission answers at once, and
    /// planned by <see cref="SweepRecovery.RecoverAsync"/> (the Function app's timer): nothing runs after an HTTP answer on Flex Consumption.
    /// </summary>
    public int InlinePlanningLimit { get; init; } = 256;

    /// <inheritdoc cref="SweepRecovery.PlanningTakeover"/>
    public TimeSpan PlanningTakeover { get => Recovery.PlanningTakeover; init => Recovery.PlanningTakeover = value; }
    /// <inheritdoc cref="SweepFanOut.SendClaim"/>
    public TimeSpan SendClaim { get => FanOut.SendClaim; init => FanOut.SendClaim = value; }
    /// <inheritdoc cref="SweepRecovery.LostMessageGrace"/>
    public TimeSpan LostMessageGrace { get => Recovery.LostMessageGrace; init => Recovery.LostMessageGrace = value; }
    /// <inheritdoc cref="SweepRecovery.DeadLettersPerPass"/>
    public int DeadLettersPerPass { get => Recovery.DeadLettersPerPass; init => Recovery.DeadLettersPerPass = value; }

    /// <summary>The spec validated and planned, or the errors that stop it: what submission and a dry run both start from.</summary>
    public static (SweepPlan? Plan, IReadOnlyList<ValidationError> Errors) Plan(SweepSpec spec)
    {
        var errors = SweepSpecValidator.Validate(spec);
        if (errors.Count > 0) return (null, errors);
        try
        {
            return (SweepPlan.Create(spec), []);
        }
        catch (IncompatibleShapesException e)
        {
            return (null, [new ValidationError("senderLayers", e.Message)]);
        }
    }

    public async Task<SweepSubmission> SubmitAsync(SweepSpec spec, CancellationToken cancellationToken = default)
    {
        var (planned, errors) = Plan(spec);
        return new SweepSubmission(planned is { } plan ? await SubmitAsync(plan, cancellationToken) : null, errors);
    }

    /// <summary>Stores and queues a plan from <see cref="Plan"/>, for a caller that looked at it first (the API's limits).</summary>
    public async Task<SweepRecord> SubmitAsync(SweepPlan plan, CancellationToken cancellationToken = default)
    {
        var spec = plan.Spec;
        var id = StorageIds.NewSweepId();
        using var activity = StitchingTelemetry.StartSweep("Submit sweep", id);
        var (models, stitches) = Jobs(id, plan);
        var sweep = new SweepRecord(id, spec.Name, spec, DateTimeOffset.UtcNow, SweepState.Planning, models.Count, stitches.Count, plan.Stitches.Count());
        // The row first, as Planning: if this process dies before the jobs are written, the recovery timer finishes the planning.
        await storage.AddSweepAsync(sweep, cancellationToken);
        _logger.LogInformation("Sweep {SweepId} submitted: {Models} model jobs, {Stitches} stitches in {StitchJobs} jobs", id, models.Count, sweep.Stitches, stitches.Count);
        if (sweep.TotalJobs <= InlinePlanningLimit)
        {
            await WriteJobsAndActivateAsync(id, models, stitches, cancellationToken);
            return sweep with { State = SweepState.Active };
        }
        _logger.LogInformation("Sweep {SweepId}: {Jobs} jobs, planned by the next recovery pass", id, sweep.TotalJobs);
        return sweep;
    }

    /// <summary>
    /// Writes the job rows of a Planning sweep (again, if a previous pass died), makes it Active and fans out.
    /// A sweep cancelled meanwhile stays cancelled, and the rows just written are cancelled too.
    /// </summary>
    public async Task PlanAsync(string sweepId, CancellationToken cancellationToken = default)
    {
        var sweep = await storage.GetSweepAsync(sweepId, cancellationToken);
        if (sweep is not { State: SweepState.Planning }) return;
        using var activity = StitchingTelemetry.StartSweep("Plan sweep", sweepId);
        var (models, stitches) = Jobs(sweepId, SweepPlan.Create(sweep.Spec));
        await WriteJobsAndActivateAsync(sweepId, models, stitches, cancellationToken);
    }

    /// <summary>The jobs of a sweep known to be (or to have been) Planning; the submitter passes the ones it already built.</summary>
    private async Task WriteJobsAndActivateAsync(string sweepId, List<JobMessage> models, List<JobMessage> stitches, CancellationToken cancellationToken)
    {
        await storage.AddJobsAsync(models.Concat(stitches), cancellationToken);
        if (await storage.TryActivateSweepAsync(sweepId, cancellationToken)) await FanOut.FanOutAsync(sweepId, cancellationToken);
        else if ((await storage.GetSweepAsync(sweepId, cancellationToken))?.State == SweepState.Cancelled) await Control.SettleCancelledAsync(sweepId, cancellationToken);
    }

    /// <summary>The sweep's job messages, carrying the current trace (submission or planning) for the runners to join.</summary>
    private static (List<JobMessage> Models, List<JobMessage> Stitches) Jobs(string sweepId, SweepPlan plan)
    {
        var trace = Activity.Current?.Id;
        return (plan.Models.Select(m => JobMessage.ForModel(sweepId, m) with { TraceParent = trace }).ToList(),
            plan.StitchJobs.Select(g => JobMessage.ForStitches(sweepId, g) with { TraceParent = trace }).ToList());
    }

}
