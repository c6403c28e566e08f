namespace Stitching.Domain.Jobs;

/// <summary>
/// What one Container Apps job execution runs: a runner in job mode that takes one message and exits. The Bicep
/// (<c>infra/modules/runner-job.bicep</c>, with <c>--device cuda</c>) and the offline scaler (with <c>--device cpu</c>)
/// both take the arguments from here; a test compares the Bicep with them.
/// </summary>
public static class RunnerJob
{
    public static IReadOnlyList<string> Arguments(string device) => ["worker", "--max-jobs", "1", "--device", device];

    /// <summary>
    /// The exit code of a runner that cannot start at all, before it receives a message: no CUDA for <c>--device cuda</c>,
    /// or libtorch that does not load (a broken or wrong image). Distinct from a failed job (1), a bad command line (2),
    /// a wrong kernel (3) and SIGTERM (143), so the failed-execution alert (runner-job.bicep) can name it: every execution
    /// of such an image fails the same way and no job ever runs.
    /// </summary>
    public const int CannotStartExitCode = 4;
}
