namespace PosAgent.Devices.Transports;

/// <summary>Which kind of link a device sits on.</summary>
public enum TransportKind
{
    /// <summary>A serial tty: /dev/ttyUSB0, /dev/ttyACM0, /dev/serial/by-id/..., a simulator symlink.</summary>
    Serial = 0,

    /// <summary>A USB printer-class device: /dev/usb/lp0.</summary>
    UsbPrinter = 1,

    /// <summary>A raw TCP printer (JetDirect, port 9100).</summary>
    Tcp = 2,

    /// <summary>A USB keyboard-wedge scanner's evdev node, /dev/input/eventN (Linux; grabbed so scans do not reach the focused window).</summary>
    HidKeyboard = 3,

    /// <summary>A USB HID POS scanner (usage page 0x8C) on hidraw, /dev/hidrawN (Linux).</summary>
    HidPos = 4,
}

/// <summary>Which implementation drives a serial port.</summary>
public enum SerialDriver
{
    /// <summary>The platform's default: <see cref="Termios"/> on Linux, <see cref="SerialPort"/> elsewhere (Windows COMn).</summary>
    Auto = 0,

    /// <summary>The agent's own termios + poll(2) transport (Linux only): ~20 wakeups/s idle, ~45 us per 2 KB write, unplug seen in under 1 ms.</summary>
    Termios = 1,

    /// <summary>System.IO.Ports.SerialPort, guarded (own read thread, bounded writes and dispose). The Windows default; on Linux it busy-polls (~900 wakeups/s per port).</summary>
    SerialPort = 2,
}

/// <summary>Where a device is and how to talk to it. Validate with <see cref="Validate"/>.</summary>
public sealed class TransportOptions
{
    /// <summary>Kind of link. Default: <see cref="TransportKind.Serial"/>.</summary>
    public TransportKind Kind { get; set; } = TransportKind.Serial;

    /// <summary>Device path (serial, USB), or "host" / "host:port" (TCP, port 9100 by default). Required.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>Serial speed, 1200 to 115200. Default 9600.</summary>
    public int Baud { get; set; } = TransportDefaults.Baud;

    /// <summary>Serial framing. Default 8N1.</summary>
    public SerialFraming Framing { get; set; } = SerialFraming.EightNoneOne;

    /// <summary>Serial flow control. Default none.</summary>
    public FlowControl FlowControl { get; set; } = FlowControl.None;

    /// <summary>Serial only: ask the kernel for exclusive use (TIOCEXCL), so a second program gets "busy". Default true.</summary>
    public bool Exclusive { get; set; } = true;

    /// <summary>Serial only: which implementation drives the port. Default <see cref="SerialDriver.Auto"/> (termios on Linux, SerialPort on Windows).</summary>
    public SerialDriver SerialDriver { get; set; } = SerialDriver.Auto;

    /// <summary>The serial implementation this OS uses for <see cref="SerialDriver"/>.</summary>
    public SerialDriver ResolvedSerialDriver => SerialDriver == SerialDriver.Auto
        ? (OperatingSystem.IsLinux() ? SerialDriver.Termios : SerialDriver.SerialPort)
        : SerialDriver;

    /// <summary>TCP connect timeout. Default 3 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TransportDefaults.ConnectTimeout;

    private static readonly int[] SupportedBauds = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

    /// <summary>Every problem with these options, each naming the setting; empty when valid.</summary>
    public IReadOnlyList<string> Validate(string device)
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Path))
        {
            problems.Add($"{device}: path is required (e.g. /dev/ttyUSB0, /dev/usb/lp0 or printer-host:9100).");
        }

        if (!Enum.IsDefined(Kind))
        {
            problems.Add($"{device}: transport kind {Kind} is unknown (serial, usbprinter, tcp, hidkeyboard, hidpos).");
        }

        if (Kind == TransportKind.Serial)
        {
            if (!SupportedBauds.Contains(Baud))
            {
                problems.Add($"{device}: baud {Baud} is not supported (use {string.Join(", ", SupportedBauds)}).");
            }

            if (!Enum.IsDefined(Framing))
            {
                problems.Add($"{device}: framing {Framing} is unknown (8N1, 7E1, 8N2).");
            }

            if (!Enum.IsDefined(FlowControl))
            {
                problems.Add($"{device}: flow control {FlowControl} is unknown (none, rtscts, xonxoff).");
            }

            if (!Enum.IsDefined(SerialDriver))
            {
                problems.Add($"{device}: serial driver {SerialDriver} is unknown (auto, termios, serialport).");
            }
            else if (SerialDriver == SerialDriver.Termios && !OperatingSystem.IsLinux())
            {
                problems.Add($"{device}: serial driver termios exists on Linux only (use auto or serialport).");
            }
        }

        if (Kind == TransportKind.Tcp && !string.IsNullOrWhiteSpace(Path) && !TryParseEndpoint(Path, out _, out _))
        {
            problems.Add($"{device}: '{Path}' is not host or host:port with a port 1-65535.");
        }

        if (ConnectTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{device}: connect timeout must be positive.");
        }

        return problems;
    }

    internal static bool TryParseEndpoint(string text, out string host, out int port)
    {
        host = text;
        port = TransportDefaults.RawPrinterPort;
        var colon = text.LastIndexOf(':');
        if (colon > 0 && text.IndexOf(':', StringComparison.Ordinal) == colon)
        {
            host = text[..colon];
            if (!int.TryParse(text[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535)
            {
                return false;
            }
        }

        return host.Length > 0;
    }

    /// <summary>Parses "8N1", "7E1", "8N2" (case-insensitive).</summary>
    public static bool TryParseFraming(string text, out SerialFraming framing)
    {
        (var ok, framing) = text.Trim().ToUpperInvariant() switch
        {
            "8N1" => (true, SerialFraming.EightNoneOne),
            "7E1" => (true, SerialFraming.SevenEvenOne),
            "8N2" => (true, SerialFraming.EightNoneTwo),
            _ => (false, SerialFraming.EightNoneOne),
        };
        return ok;
    }
}
