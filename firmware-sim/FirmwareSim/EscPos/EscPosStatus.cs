namespace FirmwareSim.EscPos;

/// <summary>
/// The status bytes an Epson-compatible printer sends. DLE EOT answers always satisfy
/// <c>(b &amp; 0x93) == 0x12</c>; the first byte of a GS a block satisfies <c>(b &amp; 0x93) == 0x10</c>,
/// so a host can tell the two apart in one stream.
/// </summary>
public static class EscPosStatus
{
    /// <summary>Fixed bits of every DLE EOT answer (bit 1 and bit 4 set).</summary>
    public const byte RealTimeBase = 0x12;

    /// <summary>Fixed bits of the first byte of an automatic status back block (bit 4 set).</summary>
    public const byte AutoStatusBase = 0x10;

    /// <summary>
    /// The one-byte answer to DLE EOT n.
    /// n=1 printer: bit2 drawer open, bit3 offline.
    /// n=2 offline cause: bit2 cover open, bit5 stopped by paper end, bit6 error.
    /// n=3 error cause: no error sources are simulated, so 0x12.
    /// n=4 roll paper: 0x0C near end, 0x60 paper end.
    /// </summary>
    /// <returns>The byte, or null for an n the printer does not answer.</returns>
    public static byte? RealTime(int n, PrinterStatus status) => n switch
    {
        1 => (byte)(RealTimeBase | (status.DrawerOpen ? 0x04 : 0) | (status.IsStopped ? 0x08 : 0)),
        2 => (byte)(RealTimeBase | (status.CoverOpen ? 0x04 : 0) | (status.PaperOut ? 0x20 : 0)),
        3 => RealTimeBase,
        4 => (byte)(RealTimeBase | (status.PaperNearEnd || status.PaperOut ? 0x0C : 0) | (status.PaperOut ? 0x60 : 0)),
        _ => null,
    };

    /// <summary>
    /// The 4-byte automatic status back block (GS a). Byte 1: 0x10 | bit2 drawer open | bit3 offline |
    /// bit5 cover open. Byte 2: bit5 stopped by paper end. Byte 3: bits 0-1 paper near end,
    /// bits 2-3 paper end. Byte 4: 0x00.
    /// </summary>
    public static byte[] AutoStatusBack(PrinterStatus status) =>
    [
        (byte)(AutoStatusBase | (status.DrawerOpen ? 0x04 : 0) | (status.IsStopped ? 0x08 : 0) | (status.CoverOpen ? 0x20 : 0)),
        (byte)(status.PaperOut ? 0x20 : 0),
        (byte)((status.PaperNearEnd || status.PaperOut ? 0x03 : 0) | (status.PaperOut ? 0x0C : 0)),
        0x00,
    ];

    /// <summary>GS r 1 (paper sensor status): bits 0-1 near end, bits 2-3 paper end.</summary>
    public static byte PaperSensor(PrinterStatus status) =>
        (byte)((status.PaperNearEnd || status.PaperOut ? 0x03 : 0) | (status.PaperOut ? 0x0C : 0));

    /// <summary>GS r 2 (drawer status): bit0 drawer open.</summary>
    public static byte DrawerSensor(PrinterStatus status) => (byte)(status.DrawerOpen ? 0x01 : 0);
}
