using System.Runtime.Versioning;
using PosAgent.Devices.Interop;
using PosAgent.Devices.Scanning.Hid;
using PosAgent.Devices.Transports;

namespace PosAgent.Devices.Internal;

/// <summary>
/// A USB HID scanner read from its Linux node: a keyboard-wedge scanner's evdev node
/// (/dev/input/eventN, grabbed with EVIOCGRAB so scans do not also reach the focused window) or a
/// HID POS scanner's hidraw node (/dev/hidrawN). The records are decoded here into the byte frames
/// the scanner driver already reads (AIM id, data, CR), so framing, card formats, duplicates and
/// reconnects are the serial scanner's. A node that is not an input device (the FIFO the tests and
/// firmware-sim's HID scanner use) is read without a grab.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed class HidTransport(TransportOptions options) : IDeviceTransport
{
    /// <summary>EVIOCGRAB = _IOW('E', 0x90, int).</summary>
    internal const uint EVIOCGRAB = 0x40044590;

    private readonly KeyboardWedgeDecoder _keyboard = new();
    private readonly HidPosDecoder _hidPos = new();
    private readonly List<byte> _decoded = [];
    private readonly byte[] _raw = new byte[KeyboardWedgeDecoder.EventSize * HidPosDecoder.ReportSize];
    private readonly FileDescriptorTransport _node = new(new TransportOptions { Kind = TransportKind.UsbPrinter, Path = options.Path });
    private int _decodedStart;
    private bool _grabbed;

    public string Name => options.Path;

    public TimeSpan ByteTime => TimeSpan.Zero;

    public bool IsOpen => _node.IsOpen;

    /// <summary>True while the evdev node is grabbed (false for hidraw and FIFOs).</summary>
    public bool Grabbed => _grabbed;

    public void Open(CancellationToken cancellationToken)
    {
        Close();
        _node.Open(cancellationToken);
        _keyboard.Reset();
        _hidPos.Reset();
        _decoded.Clear();
        _decodedStart = 0;
        if (options.Kind == TransportKind.HidKeyboard)
        {
            Grab();
        }
    }

    public int Read(Span<byte> buffer, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (_decodedStart == _decoded.Count)
        {
            _decoded.Clear();
            _decodedStart = 0;
            var left = deadline - DateTime.UtcNow;
            var n = _node.Read(_raw, left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken);
            if (n == 0)
            {
                // A removed node (udev deletes /dev/input/eventN on unplug; a FIFO opened after its writer
                // never reports a hang-up) is a lost device, not silence.
                if (!File.Exists(Name))
                {
                    throw new DeviceUnavailableException(Name, Errno.ENODEV, $"HID scanner '{Name}' is gone (unplugged).");
                }

                return 0;
            }

            if (options.Kind == TransportKind.HidKeyboard)
            {
                _keyboard.Feed(_raw.AsSpan(0, n), _decoded);
            }
            else
            {
                _hidPos.Feed(_raw.AsSpan(0, n), _decoded);
            }
        }

        var count = Math.Min(buffer.Length, _decoded.Count - _decodedStart);
        for (var i = 0; i < count; i++)
        {
            buffer[i] = _decoded[_decodedStart + i];
        }

        _decodedStart += count;
        return count;
    }

    public void Write(ReadOnlySpan<byte> data, TimeSpan timeout, CancellationToken cancellationToken) =>
        throw new NotSupportedException($"HID scanner '{Name}' is read only.");

    public void DiscardPendingOutput()
    {
    }

    public void Close()
    {
        if (_grabbed && _node.Handle is { } fd)
        {
            _ = Libc.Ioctl(fd, EVIOCGRAB, 0);
        }

        _grabbed = false;
        _node.Close();
    }

    public void Dispose() => Close();

    private void Grab()
    {
        var fd = _node.Handle!;
        if (Libc.Ioctl(fd, EVIOCGRAB, 1) == 0)
        {
            _grabbed = true;
            return;
        }

        var errno = Errno.Last;
        if (errno is Errno.ENOTTY or Errno.EINVAL)
        {
            // Not an evdev node (a FIFO fed by firmware-sim or a test): nothing to grab.
            return;
        }

        _node.Close();
        throw errno == Errno.EBUSY
            ? new DeviceUnavailableException(Name, errno, $"HID scanner '{Name}' is grabbed by another program (EVIOCGRAB: busy); its scans would not reach the agent.")
            : Errno.ToException(errno, "ioctl(EVIOCGRAB)", Name);
    }
}
