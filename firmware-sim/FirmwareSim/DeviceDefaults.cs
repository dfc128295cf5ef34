namespace FirmwareSim;

/// <summary>The simulator's defaults in one place.</summary>
public static class DeviceDefaults
{
    /// <summary>9600 baud: what most RS-232 scanners and receipt printers ship with.</summary>
    public const int Baud = 9600;

    /// <summary>The raw TCP printing port (JetDirect / "port 9100").</summary>
    public const int PrinterTcpPort = 9100;

    /// <summary>4 KB: a typical receipt printer's receive buffer.</summary>
    public const int ReceiveBufferSize = 4096;

    /// <summary>48 characters per line: 80 mm paper, font A.</summary>
    public const int CharsPerLine = 48;

    /// <summary>Receipts kept in memory per printer (files stay on disk).</summary>
    public const int ReceiptsKept = 200;

    /// <summary>Baud rates a simulated line accepts.</summary>
    public static readonly IReadOnlyList<int> BaudRates = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200];

    /// <summary>Where device links go unless told otherwise: $TMPDIR/firmware-sim/NAME.</summary>
    public static string LinkPath(string name) => Path.Combine(Path.GetTempPath(), "firmware-sim", name);

    internal static void ValidateName(string name, string what, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(['/', '\\', ' ']) >= 0)
        {
            problems.Add($"{what} must be a non-empty name without slashes or spaces, got '{name}'");
        }
    }

    internal static void ValidateBaud(int baud, List<string> problems)
    {
        if (!BaudRates.Contains(baud))
        {
            problems.Add($"Baud {baud} is not supported; use one of {string.Join(", ", BaudRates)}");
        }
    }

    internal static void ThrowIfAny(List<string> problems, string what)
    {
        if (problems.Count > 0)
        {
            throw new ArgumentException($"Invalid {what}: {string.Join("; ", problems)}.");
        }
    }
}
