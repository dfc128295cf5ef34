using System.Runtime.InteropServices;

namespace FirmwareSim.Cli;

/// <summary>
/// Turns SIGTERM and SIGHUP (service stop, terminal closed) into the same orderly shutdown as
/// Ctrl+C, so the device links are removed whichever way the simulator is stopped.
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _stop;
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignals(CancellationToken ctrlC)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(ctrlC);
        _registrations = [.. new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP }.Select(signal => PosixSignalRegistration.Create(signal, context =>
        {
            // Keep the process alive until the devices are disposed; the action then returns normally.
            context.Cancel = true;
            _stop.Cancel();
        }))];
    }

    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }
}
