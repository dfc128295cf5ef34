using System.Globalization;
using PosAgent.Devices;

namespace FirmwareSim.Control;

/// <summary>A device's line settings in the words a technician compares with the client's configuration.</summary>
internal static class LineSettings
{
    public static string Describe(ScannerOptions o)
    {
        var parts = new List<string>
        {
            $"{o.Baud.ToString(CultureInfo.InvariantCulture)} {Framing(o.Framing)}",
            $"suffix {o.Suffix.ToString().ToUpperInvariant()}",
            $"default {o.DefaultSymbology.DisplayName()}",
        };
        if (o.AimPrefix)
        {
            parts.Add("AIM ids");
        }

        if (o.Prefix.Length > 0)
        {
            parts.Add($"prefix \"{o.Prefix}\"");
        }

        if (!o.PaceLine)
        {
            parts.Add("not paced");
        }

        return string.Join(", ", parts);
    }

    public static string Describe(PrinterOptions o)
    {
        var line = string.Create(CultureInfo.InvariantCulture, $"{o.Baud} {Framing(o.Framing)}, {o.CharsPerLine} columns, buffer {o.ReceiveBufferSize} bytes");
        return o.PaceLine ? line : line + ", not paced";
    }

    private static string Framing(SerialFraming framing) => framing switch
    {
        SerialFraming.SevenEvenOne => "7E1",
        SerialFraming.EightNoneTwo => "8N2",
        _ => "8N1",
    };
}
