using System.Runtime.InteropServices;

namespace Stitching.GpuRunner.Cli;

/// <summary>
/// A token cancelled by Ctrl+C or SIGTERM (Container Apps scale-in, replica timeout) instead of the process being
/// killed, so a long-running command can stop cleanly: a runner hands its message back, the scaler stops its executions.
/// </summary>
public sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration _sigint, _sigterm;

    public StopSignals(CancellationToken linked)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(linked);
        _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    }

    public CancellationToken Token => _stop.Token;
    public bool IsStopping => _stop.IsCancellationRequested;

    private void Stop(PosixSignalContext signal)
    {
        signal.Cancel = true;
        _stop.Cancel();
    }

    public void Dispose()
    {
        _sigint.Dispose();
        _sigterm.Dispose();
        _stop.Dispose();
    }
}
