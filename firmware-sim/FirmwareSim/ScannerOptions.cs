using PosAgent.Devices;

namespace FirmwareSim;

/// <summary>What a scanner sends after each code.</summary>
public enum ScannerSuffix
{
    /// <summary>Carriage return 0x0D (the usual factory default).</summary>
    Cr,

    /// <summary>Line feed 0x0A.</summary>
    Lf,

    /// <summary>CR LF.</summary>
    CrLf,

    /// <summary>Tab 0x09.</summary>
    Tab,

    /// <summary>Nothing: frames are told apart by timing only.</summary>
    None,
}

/// <summary>How the scanner is attached.</summary>
public enum ScannerInterface
{
    /// <summary>A serial line on a pseudo-terminal (the default).</summary>
    Serial,

    /// <summary>USB keyboard wedge: evdev key events (struct input_event) written to a FIFO standing in for /dev/input/eventN.</summary>
    HidKeyboard,

    /// <summary>USB HID POS (usage page 0x8C): scanned data reports written to a FIFO standing in for /dev/hidrawN.</summary>
    HidPos,
}

/// <summary>Settings of a <see cref="SimulatedScanner"/>. Validated by <see cref="SimulatedScanner.Start"/>.</summary>
public sealed class ScannerOptions
{
    /// <summary>Name in logs and the control API. Default "scanner".</summary>
    public string Name { get; set; } = "scanner";

    /// <summary>The stable symlink clients open. Default $TMPDIR/firmware-sim/NAME.</summary>
    public string? LinkPath { get; set; }

    /// <summary>Serial (a pty), or a USB HID scanner (a FIFO carrying evdev events or HID POS reports). Default serial.</summary>
    public ScannerInterface Interface { get; set; } = ScannerInterface.Serial;

    /// <summary>Line speed in baud; bytes are paced at this rate. Default 9600.</summary>
    public int Baud { get; set; } = DeviceDefaults.Baud;

    /// <summary>Character framing (sets the bit-times per byte). Default 8N1.</summary>
    public SerialFraming Framing { get; set; } = SerialFraming.EightNoneOne;

    /// <summary>Suffix after each code. Default CR.</summary>
    public ScannerSuffix Suffix { get; set; } = ScannerSuffix.Cr;

    /// <summary>Put the AIM symbology identifier (]E0, ]C0, ]Q1 ...) before each code. Default false.</summary>
    public bool AimPrefix { get; set; }

    /// <summary>A fixed prefix sent before each code (after the AIM id). Default none.</summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>The symbology of a scan that does not name one. Default EAN-13.</summary>
    public Symbology DefaultSymbology { get; set; } = Symbology.Ean13;

    /// <summary>Pace bytes at the baud rate (false: as fast as the pty goes). Default true.</summary>
    public bool PaceLine { get; set; } = true;

    /// <summary>Send garbage when the client set another baud rate on its end. Default true.</summary>
    public bool GarbleOnBaudMismatch { get; set; } = true;

    internal string ResolvedLinkPath => LinkPath ?? DeviceDefaults.LinkPath(Name);

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        DeviceDefaults.ValidateName(Name, "Scanner name", problems);
        DeviceDefaults.ValidateBaud(Baud, problems);
        if (!Enum.IsDefined(Suffix))
        {
            problems.Add($"Suffix {Suffix} is not one of {string.Join(", ", Enum.GetNames<ScannerSuffix>())}");
        }

        if (Prefix.Any(c => c > 0x7E))
        {
            problems.Add("Prefix must be ASCII");
        }

        if (LinkPath is { } link && string.IsNullOrWhiteSpace(link))
        {
            problems.Add("LinkPath must not be blank");
        }

        DeviceDefaults.ThrowIfAny(problems, "scanner options");
    }

    internal byte[] SuffixBytes => Suffix switch
    {
        ScannerSuffix.Cr => [0x0D],
        ScannerSuffix.Lf => [0x0A],
        ScannerSuffix.CrLf => [0x0D, 0x0A],
        ScannerSuffix.Tab => [0x09],
        _ => [],
    };
}
