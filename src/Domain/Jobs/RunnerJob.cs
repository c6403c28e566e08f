namespace Stitching.Domain.Jobs;

/// <summary>
/// What one Container Apps job execution runs: a runner in job mode that takes up to <see cref="DefaultMaxJobs"/>
/// messages, one after the other, and exits at the first empty receive. The Bicep (<c>infra/modules/runner-job.bicep</c>,
/// with <c>--device cuda</c> and <c>main.bicep</c>'s <c>runnerMaxJobs</c>) and the offline scaler (with <c>--device cpu</c>)
/// both take the arguments from here; a test compares the Bicep with them.
/// </summary>
public static class RunnerJob
{
    /// <summary>
    /// Messages one execution takes: every execution pays a cold start (image pull, GPU allocation, runner start-up), and an
    /// execution that takes several jobs pays it once for all of them. A runner takes no new job once less than one job's
    /// budget is left of its replica timeout (<c>WorkerService</c>), so more jobs never push an execution past it. The value
    /// and its measurements: docs/platform.md, "Jobs per execution".
    /// </summary>
    public const int DefaultMaxJobs = 8;

    public static IReadOnlyList<string> Arguments(string device, int maxJobs = DefaultMaxJobs) =>
        ["worker", "--max-jobs", maxJobs.ToString(System.Globalization.CultureInfo.InvariantCulture), "--device", device];

    /// <summary>
    /// The exit code of a runner that cannot start at all, before it receives a message: no CUDA for <c>--device cuda</c>,
    /// or libtorch that does not load (a broken or wrong image). Distinct from a failed job (1), a bad command line (2),
    /// a wrong kernel (3) and SIGTERM (143), so the failed-execution alert (runner-job.bicep) can name it: every execution
    /// of such an image fails the same way and no job ever runs.
    /// </summary>
    public const int CannotStartExitCode = 4;
}
