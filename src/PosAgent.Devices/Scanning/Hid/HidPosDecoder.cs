using System.Text;

namespace PosAgent.Devices.Scanning.Hid;

/// <summary>
/// Turns HID POS barcode scanner input reports (usage page 0x8C, "Scanned Data Report") into the
/// frame the scanner driver reads: the AIM symbology id, the data, then CR. The report layout is
/// the one HID POS scanners send on hidraw (Honeywell, Zebra and Datalogic in HID POS mode):
/// <code>
/// byte 0      report id (0x02)
/// byte 1      number of data bytes in this report (0..56)
/// bytes 2..4  AIM symbology id without its ']' ("E0", "C0", "Q1", "d2"), or zeros
/// bytes 5..60 data, zero padded
/// byte 61     bit 0: more data follows in the next report (codes longer than 56 bytes)
/// </code>
/// A report with another id (a status or feature report) is skipped.
/// </summary>
public sealed class HidPosDecoder
{
    /// <summary>Bytes in one report, report id included.</summary>
    public const int ReportSize = 62;

    /// <summary>The report id of a scanned data report.</summary>
    public const byte ScannedDataReportId = 0x02;

    /// <summary>Data bytes one report carries.</summary>
    public const int DataCapacity = 56;

    private const int DataOffset = 5;
    private const int FlagsOffset = 61;
    private readonly byte[] _pending = new byte[ReportSize];
    private readonly List<byte> _code = [];
    private int _pendingCount;
    private string? _aim;

    /// <summary>Feeds raw bytes (hidraw gives one report per read; a FIFO may split or join them) and appends finished frames.</summary>
    public void Feed(ReadOnlySpan<byte> bytes, List<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        while (!bytes.IsEmpty)
        {
            var take = Math.Min(ReportSize - _pendingCount, bytes.Length);
            bytes[..take].CopyTo(_pending.AsSpan(_pendingCount));
            _pendingCount += take;
            bytes = bytes[take..];
            if (_pendingCount == ReportSize)
            {
                _pendingCount = 0;
                Decode(_pending, output);
            }
        }
    }

    /// <summary>Forgets a half report and a code in progress.</summary>
    public void Reset()
    {
        _pendingCount = 0;
        _code.Clear();
        _aim = null;
    }

    /// <summary>The reports that carry <paramref name="data"/> with the AIM id <paramref name="aim"/> (e.g. "]E0", or null for none).</summary>
    public static IReadOnlyList<byte[]> Encode(ReadOnlySpan<byte> data, string? aim)
    {
        var reports = new List<byte[]>();
        do
        {
            var n = Math.Min(DataCapacity, data.Length);
            var report = new byte[ReportSize];
            report[0] = ScannedDataReportId;
            report[1] = (byte)n;
            if (aim is { Length: 3 } && aim[0] == ']')
            {
                report[2] = (byte)aim[1];
                report[3] = (byte)aim[2];
            }

            data[..n].CopyTo(report.AsSpan(DataOffset));
            data = data[n..];
            report[FlagsOffset] = (byte)(data.IsEmpty ? 0 : 1);
            reports.Add(report);
        }
        while (!data.IsEmpty);
        return reports;
    }

    private void Decode(ReadOnlySpan<byte> report, List<byte> output)
    {
        if (report[0] != ScannedDataReportId)
        {
            return;
        }

        var length = Math.Min((int)report[1], DataCapacity);
        if (_code.Count == 0 && report[2] != 0)
        {
            _aim = "]" + Encoding.ASCII.GetString(report.Slice(2, report[4] == 0 ? 2 : 3));
        }

        _code.AddRange(report.Slice(DataOffset, length));
        if ((report[FlagsOffset] & 1) != 0)
        {
            return;
        }

        if (_aim is not null)
        {
            output.AddRange(Encoding.ASCII.GetBytes(_aim));
        }

        output.AddRange(_code);
        output.Add((byte)'\r');
        _code.Clear();
        _aim = null;
    }
}
