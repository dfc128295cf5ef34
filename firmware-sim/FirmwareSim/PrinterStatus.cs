namespace FirmwareSim;

/// <summary>
/// What a printer's sensors report at one instant. <see cref="EscPos.EscPosStatus"/> turns it into
/// the bytes of DLE EOT and GS a answers.
/// </summary>
/// <param name="PaperNearEnd">The roll paper near-end sensor sees little paper left (printing goes on).</param>
/// <param name="PaperOut">No paper: printing stopped, data waits in the receive buffer.</param>
/// <param name="CoverOpen">The cover is open: printing stopped.</param>
/// <param name="Offline">Offline for another reason (set by the technician): printing stopped.</param>
/// <param name="DrawerOpen">The cash drawer sensor (connector pin 3) reads "open".</param>
public readonly record struct PrinterStatus(
    bool PaperNearEnd = false,
    bool PaperOut = false,
    bool CoverOpen = false,
    bool Offline = false,
    bool DrawerOpen = false)
{
    /// <summary>True when the printer cannot print: paper out, cover open or offline.</summary>
    public bool IsStopped => PaperOut || CoverOpen || Offline;

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>();
        if (PaperOut)
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

        if (DrawerOpen)
        {
            parts.Add("drawer open");
        }

        return parts.Count == 0 ? "ready" : string.Join(", ", parts);
    }
}
