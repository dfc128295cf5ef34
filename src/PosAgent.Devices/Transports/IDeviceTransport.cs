namespace PosAgent.Devices.Transports;

/// <summary>
/// A byte pipe to one device (serial tty, USB printer class, TCP). Calls block the calling
/// thread (drivers run one dedicated thread per device) and honour cancellation within
/// <see cref="TransportDefaults.CancellationSlice"/>. A device that went away surfaces as
/// <see cref="DeviceUnavailableException"/>; the caller closes and reopens.
/// </summary>
public interface IDeviceTransport : IDisposable
{
    /// <summary>The path or address, for events and error messages.</summary>
    string Name { get; }

    /// <summary>Wire time of one byte (10 or 11 bit-times at the baud); zero when the line has no fixed speed (TCP, USB).</summary>
    TimeSpan ByteTime { get; }

    /// <summary>True between a successful <see cref="Open"/> and <see cref="Close"/>.</summary>
    bool IsOpen { get; }

    /// <summary>Opens and configures the device. Throws <see cref="DeviceUnavailableException"/> (missing, busy, gone),
    /// <see cref="FileNotFoundException"/> or <see cref="UnauthorizedAccessException"/>, each naming the device.</summary>
    void Open(CancellationToken cancellationToken);

    /// <summary>Waits up to <paramref name="timeout"/> for bytes; returns how many were read, 0 on timeout.</summary>
    int Read(Span<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Writes every byte or throws <see cref="TimeoutException"/> when the device takes none for <paramref name="timeout"/>.</summary>
    void Write(ReadOnlySpan<byte> data, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Drops bytes written but not yet sent (serial: tcflush TCOFLUSH); a no-op where the OS cannot.</summary>
    void DiscardPendingOutput();

    /// <summary>Closes the device; a later <see cref="Open"/> reopens it.</summary>
    void Close();
}

/// <summary>Defaults shared by the transports.</summary>
public static class TransportDefaults
{
    /// <summary>Longest a blocked call waits before it looks at its cancellation token again: 50 ms.</summary>
    public static readonly TimeSpan CancellationSlice = TimeSpan.FromMilliseconds(50);

    /// <summary>Raw TCP printer port: 9100.</summary>
    public const int RawPrinterPort = 9100;

    /// <summary>Serial speed: 9600 baud.</summary>
    public const int Baud = 9600;

    /// <summary>TCP connect timeout: 3 s.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);
}
