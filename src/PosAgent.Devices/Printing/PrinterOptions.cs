using PosAgent.Devices.Transports;

namespace PosAgent.Devices.Printing;

/// <summary>A receipt printer's configuration. Validated when the driver is created.</summary>
public sealed class PrinterOptions
{
    /// <summary>The device name in events and logs. Default "printer".</summary>
    public string Name { get; set; } = "printer";

    /// <summary>Where the printer is: serial, /dev/usb/lpN or host:9100. Required: Path.</summary>
    public TransportOptions Transport { get; set; } = new();

    /// <summary>The printer model's profile. Default <c>epson-80mm-cp866</c>.</summary>
    public PrinterProfile Profile { get; set; } = new();

    /// <summary>The SQLite file of the durable print queue. Required.</summary>
    public string QueuePath { get; set; } = string.Empty;

    /// <summary>Mode of a new queue file on Unix. Default 0600 (receipts name customers).</summary>
    public UnixFileMode QueueFileMode { get; set; } = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>How often status is polled (DLE EOT) while no job is waiting. Default 1 s.</summary>
    public TimeSpan StatusPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long to wait for a status answer beyond the time the bytes ahead of it take on the line. Default 1 s.</summary>
    public TimeSpan StatusTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>For links without a fixed speed (TCP, USB): the slowest the printer takes data, to scale timeouts. Default 960 bytes/s.</summary>
    public int SlowestBytesPerSecond { get; set; } = 960;

    /// <summary>Most bytes written between checks for a status change. Default 256.</summary>
    public int ChunkSize { get; set; } = 256;

    /// <summary>Text of the mark printed above a reprint whose first attempt may have come out in part. Default "*** COPY ***".</summary>
    public string CopyMarkText { get; set; } = "*** COPY ***";

    /// <summary>Reopen policy after unplug or a failed open.</summary>
    public ReconnectOptions Reconnect { get; set; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        var name = string.IsNullOrWhiteSpace(Name) ? "printer" : Name;
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(Name))
        {
            problems.Add("printer: name is required.");
        }

        problems.AddRange(Transport.Validate(name));
        problems.AddRange(Profile.Validate(name));
        if (string.IsNullOrWhiteSpace(QueuePath))
        {
            problems.Add($"{name}: queue path (the print queue's SQLite file) is required.");
        }

        if (StatusPollInterval < TimeSpan.FromMilliseconds(50))
        {
            problems.Add($"{name}: status poll interval must be at least 50 ms.");
        }

        if (StatusTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{name}: status timeout must be positive.");
        }

        if (SlowestBytesPerSecond <= 0)
        {
            problems.Add($"{name}: slowest bytes per second must be positive.");
        }

        if (ChunkSize is < 16 or > 65536)
        {
            problems.Add($"{name}: chunk size {ChunkSize} must be 16 to 65536 bytes.");
        }

        problems.AddRange(Reconnect.Validate(name));
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid printer configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        }
    }
}
