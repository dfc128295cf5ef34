using System.Net;
using FirmwareSim.EscPos;
using PosAgent.Devices;

namespace FirmwareSim;

/// <summary>Settings of a <see cref="SimulatedPrinter"/>. Validated by <see cref="SimulatedPrinter.Start"/>.</summary>
public sealed class PrinterOptions
{
    /// <summary>Name in logs, receipt file names and the control API. Default "printer".</summary>
    public string Name { get; set; } = "printer";

    /// <summary>Offer the printer on a pseudo-terminal. Default true.</summary>
    public bool Serial { get; set; } = true;

    /// <summary>The stable symlink clients open. Default $TMPDIR/firmware-sim/NAME.</summary>
    public string? LinkPath { get; set; }

    /// <summary>Also listen for raw TCP printing on this port (0 = any free port). Default null: no TCP.</summary>
    public int? TcpPort { get; set; }

    /// <summary>The address the TCP port binds. Default loopback (127.0.0.1).</summary>
    public IPAddress TcpAddress { get; set; } = IPAddress.Loopback;

    /// <summary>Line speed in baud for pacing and for the baud check on the pty. Default 9600.</summary>
    public int Baud { get; set; } = DeviceDefaults.Baud;

    /// <summary>Character framing (bit-times per byte). Default 8N1.</summary>
    public SerialFraming Framing { get; set; } = SerialFraming.EightNoneOne;

    /// <summary>Pace received and sent bytes at the baud rate (also on TCP, like a serial-to-LAN box). Default true.</summary>
    public bool PaceLine { get; set; } = true;

    /// <summary>Receive buffer in bytes: when full (printer stopped), the printer stops reading and the sender blocks. Default 4096.</summary>
    public int ReceiveBufferSize { get; set; } = DeviceDefaults.ReceiveBufferSize;

    /// <summary>Characters per line (font A) for the text and HTML rendering: 32, 42 or 48 typically. Default 48.</summary>
    public int CharsPerLine { get; set; } = DeviceDefaults.CharsPerLine;

    /// <summary>ESC t table numbers to code pages. Default: 0 = CP437, 2 = CP850, 16 = WPC1252, 17 = CP866, 46 = WPC1251 (Epson numbering).</summary>
    public IReadOnlyDictionary<int, int> CodePages { get; set; } = EscPosInterpreter.DefaultCodePages;

    /// <summary>The code table at power-on and after ESC @. Default 0.</summary>
    public int DefaultCodeTable { get; set; }

    /// <summary>Folder for receipt files (NAME-NNNN.txt and .html). Default null: receipts stay in memory only.</summary>
    public string? OutputDirectory { get; set; }

    /// <summary>Receipts kept in memory. Default 200.</summary>
    public int ReceiptsKept { get; set; } = DeviceDefaults.ReceiptsKept;

    /// <summary>Answer garbage when the client set another baud rate on the pty. Default true.</summary>
    public bool GarbleOnBaudMismatch { get; set; } = true;

    internal string ResolvedLinkPath => LinkPath ?? DeviceDefaults.LinkPath(Name);

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem.</summary>
    public void Validate()
    {
        var problems = new List<string>();
        DeviceDefaults.ValidateName(Name, "Printer name", problems);
        DeviceDefaults.ValidateBaud(Baud, problems);
        if (!Serial && TcpPort is null)
        {
            problems.Add("Enable the pseudo-terminal (Serial) or a TCP port, or both");
        }

        if (TcpPort is < 0 or > 65535)
        {
            problems.Add($"TcpPort {TcpPort} is outside 0-65535");
        }

        if (ReceiveBufferSize is < 16 or > 1 << 20)
        {
            problems.Add($"ReceiveBufferSize {ReceiveBufferSize} is outside 16-1048576 bytes");
        }

        if (CharsPerLine is < 16 or > 96)
        {
            problems.Add($"CharsPerLine {CharsPerLine} is outside 16-96");
        }

        if (CodePages.Count == 0)
        {
            problems.Add("CodePages must map at least one ESC t table");
        }
        else if (!CodePages.ContainsKey(DefaultCodeTable))
        {
            problems.Add($"DefaultCodeTable {DefaultCodeTable} is not in CodePages ({string.Join(", ", CodePages.Keys)})");
        }

        if (ReceiptsKept < 1)
        {
            problems.Add("ReceiptsKept must be at least 1");
        }

        DeviceDefaults.ThrowIfAny(problems, "printer options");
    }
}
