using PosAgent.Devices.Transports;

namespace PosAgent.Devices.Scanning;

/// <summary>What ends a scanner's frame.</summary>
public enum ScannerSuffix
{
    /// <summary>Carriage return 0x0D (the default of most scanners).</summary>
    Cr = 0,

    /// <summary>Line feed 0x0A.</summary>
    Lf = 1,

    /// <summary>CR LF.</summary>
    CrLf = 2,

    /// <summary>Horizontal tab 0x09.</summary>
    Tab = 3,
}

/// <summary>A barcode scanner's configuration. Validated when the driver is created.</summary>
public sealed class ScannerOptions
{
    /// <summary>The device name in events and logs. Default "scanner".</summary>
    public string Name { get; set; } = "scanner";

    /// <summary>Where the scanner is (serial). Required: Path.</summary>
    public TransportOptions Transport { get; set; } = new();

    /// <summary>Frame suffix. Default CR.</summary>
    public ScannerSuffix Suffix { get; set; } = ScannerSuffix.Cr;

    /// <summary>Printable ASCII prefix the scanner puts before every frame (before or just after the AIM id). Default none.</summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Longest frame in bytes (prefix and AIM id included, suffix not). Default 512.</summary>
    public int MaxLength { get; set; } = 512;

    /// <summary>The same code within this window is reported once; zero turns it off. Default 1 s.</summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Silence after bytes with no suffix that makes them a partial frame; 10 byte-times are added at the configured baud. Default 200 ms.</summary>
    public TimeSpan PartialFrameTimeout { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Loyalty card formats (from the program files); checked in order. Default none (every scan is a product).</summary>
    public IList<LoyaltyCardFormat> CardFormats { get; init; } = [];

    /// <summary>Reopen policy after unplug or a failed open.</summary>
    public ReconnectOptions Reconnect { get; set; } = new();

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        var name = string.IsNullOrWhiteSpace(Name) ? "scanner" : Name;
        if (string.IsNullOrWhiteSpace(Name))
        {
            problems.Add("scanner: name is required.");
        }

        problems.AddRange(Transport.Validate(name));
        if (Transport.Kind is not (TransportKind.Serial or TransportKind.HidKeyboard or TransportKind.HidPos))
        {
            problems.Add($"{name}: a scanner needs a serial, HID keyboard-wedge or HID POS transport.");
        }

        if (!Enum.IsDefined(Suffix))
        {
            problems.Add($"{name}: suffix {Suffix} is unknown (cr, lf, crlf, tab).");
        }

        if (Prefix.Any(c => c is < ' ' or > '~'))
        {
            problems.Add($"{name}: prefix must be printable ASCII.");
        }

        if (MaxLength is < 8 or > 8192)
        {
            problems.Add($"{name}: max length {MaxLength} must be 8 to 8192 bytes.");
        }

        if (DuplicateWindow < TimeSpan.Zero)
        {
            problems.Add($"{name}: duplicate window cannot be negative.");
        }

        if (PartialFrameTimeout <= TimeSpan.Zero)
        {
            problems.Add($"{name}: partial frame timeout must be positive.");
        }

        foreach (var format in CardFormats)
        {
            problems.AddRange(format.Validate(name));
        }

        problems.AddRange(Reconnect.Validate(name));
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid scanner configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems));
        }
    }
}
