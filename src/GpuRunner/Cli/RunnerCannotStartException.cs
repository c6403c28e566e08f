namespace Stitching.GpuRunner.Cli;

/// <summary>
/// The runner cannot start (no CUDA where it was asked for, libtorch that does not load): the CLI exits with
/// <see cref="Stitching.Domain.Jobs.RunnerJob.CannotStartExitCode"/> rather than a user error's 2, so an alert can tell it apart.
/// </summary>
public sealed class RunnerCannotStartException(string message, Exception? inner = null) : Exception(message, inner);
