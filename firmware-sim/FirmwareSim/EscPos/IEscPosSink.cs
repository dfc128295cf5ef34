using FirmwareSim.Receipts;

namespace FirmwareSim.EscPos;

/// <summary>Where the interpreter sends what it produces: answers, cut receipts, drawer pulses, diagnostics.</summary>
internal interface IEscPosSink
{
    /// <summary>The printer's sensors now (answers to GS r, ESC v).</summary>
    PrinterStatus Status { get; }

    /// <summary>Bytes the printer transmits back to the host, in order with the data stream.</summary>
    void Respond(ReadOnlySpan<byte> bytes);

    /// <summary>The paper was cut: <paramref name="document"/> is one receipt.</summary>
    void Cut(ReceiptDocument document, bool partial);

    /// <summary>A drawer kick pulse on connector pin 2 or 5.</summary>
    void DrawerKick(int pin);

    /// <summary>GS a n changed the automatic status back mask.</summary>
    void AutoStatusBackChanged(int mask);

    /// <summary>An unknown or malformed command at <paramref name="offset"/> in the byte stream, skipped.</summary>
    void Diagnostic(long offset, string message);
}
