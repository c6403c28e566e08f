namespace Stitching.Domain.Jobs;

/// <summary>
/// What one Container Apps job execution runs: a runner in job mode that takes one message and exits. The Bicep
/// (<c>infra/modules/runner-job.bicep</c>, with <c>--device cuda</c>) and the offline scaler (with <c>--device cpu</c>)
/// both take the arguments from here; a test compares the Bicep with them.
/// </summary>
public static class RunnerJob
{
    public static IReadOnlyList<string> Arguments(string device) => ["worker", "--max-jobs", "1", "--device", device];
}
