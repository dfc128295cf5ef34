using Microsoft.Extensions.Logging;
using PosAgent.Devices.Interop;
using PosAgent.Devices.Transports;

namespace PosAgent.Devices.Internal;

/// <summary>
/// Keeps one device open on a dedicated thread: opens it (a missing or busy device is a Failed
/// event, never an exception out of the driver), runs the driver's body while connected, and
/// after a loss reports Disconnected and reopens with backoff.
/// </summary>
internal sealed class DeviceSession : IDisposable
{
    private readonly string _device;
    private readonly IDeviceTransport _transport;
    private readonly ReconnectOptions _reconnect;
    private readonly TimeProvider _time;
    private readonly Action<DeviceEvent> _raise;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;

    public DeviceSession(string device, IDeviceTransport transport, ReconnectOptions reconnect, TimeProvider time, Action<DeviceEvent> raise, ILogger logger)
    {
        _device = device;
        _transport = transport;
        _reconnect = reconnect;
        _time = time;
        _raise = raise;
        _logger = logger;
    }

    public bool IsConnected { get; private set; }

    /// <summary>Starts the thread; <paramref name="body"/> runs while connected and returns or throws when the device is lost.</summary>
    public void Start(Action<IDeviceTransport, CancellationToken> body, Action? onDisconnected = null)
    {
        if (_thread is not null)
        {
            throw new InvalidOperationException($"Device {_device} is already started.");
        }

        _thread = new Thread(() => Run(body, onDisconnected, _stop.Token))
        {
            IsBackground = true,
            Name = $"device {_device}",
        };
        _thread.Start();
    }

    public void Stop()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }

        if (_thread is { } thread && thread != Thread.CurrentThread)
        {
            thread.Join();
        }
    }

    public void Dispose()
    {
        Stop();
        _transport.Dispose();
        _stop.Dispose();
    }

    private void Run(Action<IDeviceTransport, CancellationToken> body, Action? onDisconnected, CancellationToken ct)
    {
        var backoff = new ReconnectBackoff(_reconnect);
        string? lastOpenError = null;
        var lost = false;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                _transport.Open(ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or TimeoutException)
            {
                // Reported once per distinct error, so a device missing for an hour is one event, not thousands.
                // A device that was unplugged and is still absent stays Disconnected: its reopen failing
                // for that reason is expected, not a fault to report as Failed.
                if (lost && IsAbsent(ex))
                {
                    DeviceLog.StillAbsent(_logger, _device, _transport.Name, ex.Message);
                }
                else if (ex.Message != lastOpenError)
                {
                    lastOpenError = ex.Message;
                    DeviceLog.OpenFailed(_logger, _device, _transport.Name, ex.Message);
                    _raise(new DeviceConnectionEvent(_device, _time.GetUtcNow(), DeviceConnectionState.Failed, _transport.Name, ex.Message));
                }

                if (!Wait(backoff.Next(), ct))
                {
                    return;
                }

                continue;
            }

            backoff.Reset();
            lastOpenError = null;
            lost = false;
            IsConnected = true;
            DeviceLog.Connected(_logger, _device, _transport.Name);
            _raise(new DeviceConnectionEvent(_device, _time.GetUtcNow(), DeviceConnectionState.Connected, _transport.Name, null));
            string error;
            try
            {
                body(_transport, ct);
                error = "the driver stopped reading";
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                _transport.Close();
                IsConnected = false;
                return;
            }
            catch (Exception ex) when (ex is IOException or TimeoutException or UnauthorizedAccessException)
            {
                error = ex.Message;
            }
            catch (Exception ex)
            {
                // A bug in a driver body must not end the device thread: log it and reconnect.
                DeviceLog.Unexpected(_logger, ex, _device);
                error = ex.Message;
            }

            _transport.Close();
            IsConnected = false;
            lost = true;
            onDisconnected?.Invoke();
            DeviceLog.Disconnected(_logger, _device, _transport.Name, error);
            _raise(new DeviceConnectionEvent(_device, _time.GetUtcNow(), DeviceConnectionState.Disconnected, _transport.Name, error));
            if (!Wait(backoff.Next(), ct))
            {
                return;
            }
        }
    }

    /// <summary>The device node is not there (unplugged, pty closed), as opposed to present but refusing.</summary>
    private static bool IsAbsent(Exception ex) =>
        ex is FileNotFoundException or DirectoryNotFoundException
        || ex is DeviceUnavailableException { Errno: Errno.ENXIO or Errno.ENODEV or Errno.EIO };

    private bool Wait(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            Task.Delay(delay, _time, ct).GetAwaiter().GetResult();
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
