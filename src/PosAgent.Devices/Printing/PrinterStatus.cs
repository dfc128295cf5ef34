namespace PosAgent.Devices.Printing;

/// <summary>A printer's state as reported by DLE EOT or automatic status back.</summary>
/// <param name="Offline">The printer says it is offline (DLE EOT 1 bit 3).</param>
/// <param name="CoverOpen">Cover open (DLE EOT 2 bit 2).</param>
/// <param name="PaperEnd">Stopped by paper end (DLE EOT 2 bit 5, DLE EOT 4 bits 5-6).</param>
/// <param name="PaperNearEnd">Little paper left; printing continues (DLE EOT 4 bits 2-3).</param>
/// <param name="Error">An error occurred (DLE EOT 2 bit 6).</param>
/// <param name="NotAnswering">The link is up but status requests go unanswered (switched off, stalled line, wrong baud).</param>
public readonly record struct PrinterStatus(bool Offline, bool CoverOpen, bool PaperEnd, bool PaperNearEnd, bool Error, bool NotAnswering = false)
{
    /// <summary>No answer to a status request.</summary>
    public static PrinterStatus Silent => new(false, false, false, false, false, NotAnswering: true);

    /// <summary>Everything normal.</summary>
    public static PrinterStatus Ready => default;

    /// <summary>True when a job can print: online, cover closed, paper in, no error (near end is fine).</summary>
    public bool IsReady => !Offline && !CoverOpen && !PaperEnd && !Error && !NotAnswering;

    /// <summary>Combines the answers to DLE EOT 1, 2 and 4 (each must satisfy (b &amp; 0x93) == 0x12).</summary>
    public static PrinterStatus FromRealTime(byte printer, byte offlineCause, byte paper) => new(
        Offline: (printer & 0x08) != 0,
        CoverOpen: (offlineCause & 0x04) != 0,
        PaperEnd: (offlineCause & 0x20) != 0 || (paper & 0x60) != 0,
        PaperNearEnd: (paper & 0x0C) != 0,
        Error: (offlineCause & 0x40) != 0);

    /// <summary>Decodes a 4-byte automatic status back block (GS a): the first byte satisfies (b &amp; 0x93) == 0x10.</summary>
    public static PrinterStatus FromAutoStatusBack(ReadOnlySpan<byte> block) => new(
        Offline: (block[0] & 0x08) != 0,
        CoverOpen: (block[0] & 0x20) != 0,
        PaperEnd: (block[1] & 0x20) != 0 || (block[2] & 0x0C) != 0,
        PaperNearEnd: (block[2] & 0x03) != 0,
        Error: (block[1] & 0x40) != 0);

    /// <summary>True when <paramref name="b"/> is a DLE EOT answer.</summary>
    public static bool IsRealTimeAnswer(byte b) => (b & 0x93) == 0x12;

    /// <summary>True when <paramref name="b"/> can start an automatic status back block.</summary>
    public static bool IsAutoStatusHeader(byte b) => (b & 0x93) == 0x10;

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        if (NotAnswering)
        {
            parts.Add("not answering");
        }

        if (PaperEnd)
        {
            parts.Add("paper out");
        }
        else if (PaperNearEnd)
        {
            parts.Add("paper near end");
        }

        if (CoverOpen)
        {
            parts.Add("cover open");
        }

        if (Offline)
        {
            parts.Add("offline");
        }

        if (Error)
        {
            parts.Add("error");
        }

        return parts.Count == 0 ? "ready" : string.Join(", ", parts);
    }
}
